// The satisfaction dashboard: figures from GET /api/reports/satisfaction,
// charts with Apache ECharts, follow-ups for supervisors. Customer text is
// only ever set as textContent.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const { el, api, pct } = window.desk;  // /console/static/common.js
  window.desk.onUnauthorized = () => { $("login-needed").hidden = false; };
  const num = (x, d = 2) => (x == null ? "—" : Number(x).toFixed(d));
  const mins = (s) => (s == null ? "—" : s < 60 ? Math.round(s) + " 秒" : (s / 60).toFixed(1) + " 分钟");
  const charts = {};
  let me = null;



  // Empty dates: the API's default range, in the shop's time zone (not the browser's).
  function query() {
    const dates = ["start", "end"].filter((k) => $(k).value).map((k) => k + "=" + $(k).value);
    return dates.concat(["by=" + $("by").value]).join("&");
  }

  function card(label, value, sub, testid) {
    const c = el("div", null, "card");
    c.setAttribute("data-testid", testid);
    c.append(el("div", label, "label"), el("div", value, "value"));
    if (sub) c.append(el("div", sub, "sub"));
    return c;
  }

  function renderCards(o) {
    $("cards").replaceChildren(
      card("满意度 CSAT（4–5 分占比）", pct(o.csat), "平均 " + num(o.csat_average) + " 分 · " + o.responses + " 份评价", "kpi-csat"),
      card("净推荐值 NPS", o.nps == null ? "—" : String(o.nps), o.nps_answers + " 人回答", "kpi-nps"),
      card("费力度 CES（平均，5 最容易）", num(o.ces_average), null, "kpi-ces"),
      card("问题解决率", pct(o.resolution_rate), "“问题解决了吗”答“已解决”", "kpi-resolution"),
      card("评价回复率", pct(o.response_rate), o.responses + " / " + o.surveys_sent + " 份问卷", "kpi-response"),
      card("机器人独立解决率", pct(o.containment_rate), o.episodes + " 个会话", "kpi-containment"),
      card("转人工率", pct(o.handoff_rate), null, "kpi-handoff"),
      card("人工首次响应", mins(o.first_response_median_s), "中位数 · P90 " + mins(o.first_response_p90_s), "kpi-first-response"),
      card("人工解决时长", mins(o.resolution_median_s), "中位数 · P90 " + mins(o.resolution_p90_s), "kpi-resolution-time"),
      card("SLA 达标率", pct(o.sla_compliance), "首次响应在时限内", "kpi-sla"),
    );
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }

  function renderCharts(r) {
    const font = { fontFamily: '"Noto Sans CJK SC", "PingFang SC", sans-serif' };
    chart("chart-daily").setOption({
      textStyle: font, tooltip: { trigger: "axis" }, legend: { data: ["会话数", "满意度"] },
      grid: { left: 40, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: r.daily.map((d) => d.date.slice(5)) },
      yAxis: [{ type: "value", name: "会话" }, { type: "value", name: "满意度", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: "会话数", type: "bar", data: r.daily.map((d) => d.episodes), itemStyle: { color: "#93c5fd" } },
        { name: "满意度", type: "line", yAxisIndex: 1, connectNulls: true, itemStyle: { color: "#f59e0b" },
          data: r.daily.map((d) => (d.csat == null ? null : +(d.csat * 100).toFixed(1))) },
      ],
    }, true);
    chart("chart-groups").setOption({
      textStyle: font, tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v + "%") },
      legend: { data: ["满意度", "机器人独立解决率", "问题解决率"] },
      grid: { left: 40, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: r.groups.map((g) => g.name), axisLabel: { interval: 0, rotate: r.groups.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [["满意度", "csat", "#f59e0b"], ["机器人独立解决率", "containment_rate", "#10b981"], ["问题解决率", "resolution_rate", "#2563eb"]]
        .map(([name, key, color]) => ({ name, type: "bar", itemStyle: { color },
          data: r.groups.map((g) => (g[key] == null ? null : +(g[key] * 100).toFixed(1))) })),
    }, true);
    const reasons = Object.entries(r.overall.handoff_reasons);
    chart("chart-reasons").setOption({
      textStyle: font, tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      // Every reason in the legend at once, wrapped over lines (a paged legend hid some of them).
      legend: { type: "plain", bottom: 0, left: "center", itemGap: 10, itemWidth: 14, textStyle: { fontSize: 12 } },
      series: [{ type: "pie", radius: ["28%", "50%"], center: ["50%", "40%"], label: { formatter: "{d}%" },
        data: reasons.map(([k, v]) => ({ name: r.overall.handoff_reason_names[k] || k, value: v })) }],
      graphic: reasons.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "暂无转人工", fill: "#9ca3af", font: "14px sans-serif" } }],
    }, true);
  }

  const COLUMNS = [
    ["会话数", (g) => g.episodes], ["评价数", (g) => g.responses], ["回复率", (g) => pct(g.response_rate)],
    ["满意度", (g) => pct(g.csat)], ["平均分", (g) => num(g.csat_average)], ["NPS", (g) => (g.nps == null ? "—" : g.nps)],
    ["CES", (g) => num(g.ces_average)], ["解决率", (g) => pct(g.resolution_rate)],
    ["独立解决率", (g) => pct(g.containment_rate)], ["转人工率", (g) => pct(g.handoff_rate)],
    ["首次响应中位", (g) => mins(g.first_response_median_s)], ["首次响应 P90", (g) => mins(g.first_response_p90_s)],
    ["解决时长中位", (g) => mins(g.resolution_median_s)], ["解决时长 P90", (g) => mins(g.resolution_p90_s)],
    ["SLA 达标率", (g) => pct(g.sla_compliance)],
  ];

  function renderTable(r) {
    const table = $("groups");
    const head = el("tr");
    head.append(el("th", r.by_name), ...COLUMNS.map(([name]) => el("th", name)));
    const rows = r.groups.map((g) => {
      const tr = el("tr");
      tr.setAttribute("data-testid", "group-row");
      tr.append(el("td", g.name), ...COLUMNS.map(([, f]) => el("td", String(f(g)))));
      return tr;
    });
    const total = el("tr");
    total.append(el("td", "合计"), ...COLUMNS.map(([, f]) => el("td", String(f(r.overall)))));
    if (!rows.length) { const empty = el("tr"); const td = el("td", "所选时间范围内没有会话"); td.colSpan = COLUMNS.length + 1; empty.append(td); rows.push(empty); }
    table.replaceChildren(el("thead"), el("tbody"));
    table.tHead.append(head);
    table.tBodies[0].append(...rows, total);
    $("breakdown-title").textContent = "按" + r.by_name.replace("会员等级", "会员等级") + "对比";
    $("table-title").textContent = "按" + r.by_name + "明细";
  }

  function zhDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return y + "年" + m + "月" + d + "日";
  }

  let latest = 0;  // only the newest request may draw: an older, slower answer is dropped

  async function load() {
    const mine = ++latest;
    $("status").textContent = "加载中…";
    $("status").className = "status";
    try {
      const r = await api("GET", "/api/reports/satisfaction?" + query());
      if (mine !== latest) return;
      if (!$("start").value) $("start").value = r.start;
      if (!$("end").value) $("end").value = r.end;
      // In Chinese whatever the browser's language (a date field shows mm/dd/yyyy in an English browser).
      const days = Math.round((Date.parse(r.end) - Date.parse(r.start)) / 86400000) + 1;
      $("range").textContent = "统计区间：" + zhDate(r.start) + " 至 " + zhDate(r.end) + "（共 " + days + " 天）";
      $("demo-banner").hidden = !r.demo;
      $("scope-note").hidden = r.scope !== "mine";
      renderCards(r.overall);
      renderCharts(r);
      renderTable(r);
      $("csv").href = "/api/reports/answers.csv?" + query();
      $("status").textContent = "已更新 " + new Date().toLocaleTimeString("zh-CN");
      document.body.dataset.loaded = "1";
    } catch (err) {
      if (mine !== latest) return;
      $("status").textContent = err.message;
      $("status").className = "status error";
    }
  }

  async function loadFollowUps() {
    if (!me || me.role === "agent") return;
    $("follow-ups-panel").hidden = false;
    const list = await api("GET", "/api/console/follow-ups");
    const box = $("follow-ups");
    box.replaceChildren();
    if (!list.length) box.append(el("div", "暂无待回访的客户", "status"));
    for (const task of list) {
      const row = el("div", null, "follow");
      row.setAttribute("data-testid", "follow-up");
      const who = task.customer ? task.customer.name + "（" + task.customer.tier + "）" : "访客";
      row.append(el("span", "★".repeat(task.rating || 0), "stars"), el("b", who),
        el("span", task.agent_name ? "客服：" + task.agent_name : "机器人接待"),
        el("span", task.comment ? "意见：" + task.comment : "（无意见）", "comment"));
      const link = el("a", "查看会话");
      link.href = "/console?conversation=" + encodeURIComponent(task.conversation_id);
      const done = el("button", "标记已回访");
      done.onclick = async () => {
        const note = window.prompt("回访记录（可选）", "") ;
        if (note === null) return;
        try { await api("POST", "/api/console/follow-ups/" + task.id + "/done", { note }); loadFollowUps(); }
        catch (err) { $("status").textContent = err.message; }
      };
      row.append(link, done);
      box.append(row);
    }
  }

  async function start() {
    try { me = await api("GET", "/api/agents/me"); } catch (err) { return; }
    $("who").textContent = me.display_name;
    $("filters").onsubmit = (e) => { e.preventDefault(); load(); };
    $("by").onchange = load;
    window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
    await load();
    await loadFollowUps().catch((err) => { $("status").textContent = err.message; });
  }

  start();
})();
