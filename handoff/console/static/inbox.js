// 待优化问题 tab of the admin workspace: groups of messages the bot did not handle
// well; teach a group to an intent, make it a new FAQ answer, or dismiss it.
(function () {
  "use strict";
  const { el, api, time, pct } = window.desk;
  const $ = (id) => document.getElementById(id);

  function groupNode(g, intents, notice, reload, open) {
    const box = el("div", null, "group", { "data-group": String(g.id), "data-testid": "inbox-group" });
    const head = el("h3");
    head.append(el("span", g.count + " 条"), el("span", "最新 " + time(g.newest_at), "muted"));
    for (const r of g.reasons) head.append(el("span", r.label + " " + r.count, "badge reason"));
    if (g.understood_as) head.append(el("span", "机器人理解为：" + g.understood_as, "muted"));
    if (g.suggested_label) head.append(el("span", "客服建议：" + g.suggested_label, "badge"));
    box.append(head);
    const list = el("ul");
    for (const e of g.examples) {
      const li = el("li");
      li.append(el("span", e.text));
      const meta = el("small", (e.understood_as ? e.understood_as + (e.confidence !== null ? " " + pct(e.confidence) : "") + " · " : "") + time(e.said_at) + " · ");
      const link = el("a", "查看会话", null, { href: "/console?conversation=" + encodeURIComponent(e.conversation_id), target: "_blank" });
      meta.append(link);
      li.append(meta);
      list.append(li);
    }
    if (g.count > g.examples.length) list.append(el("li", "……另有 " + (g.count - g.examples.length) + " 条", "muted"));
    box.append(list);
    if (!open) return box;
    const row = el("div", null, "row");
    const choose = el("select", null, null, { "data-testid": "inbox-intent" });
    choose.append(new Option("加入到意图…", ""));
    for (const i of intents) choose.append(new Option(i.label, i.name));
    if (g.suggested_intent) choose.value = g.suggested_intent;
    const teach = el("button", "加入训练", "small", { "data-testid": "inbox-teach" });
    teach.onclick = async () => {
      if (!choose.value) { notice("请先选择意图", "warn"); return; }
      try {
        const r = await api("POST", "/api/admin/inbox/teach", { item_ids: g.item_ids, intent: choose.value });
        notice("已加入 " + r.added + " 条" + (r.kept_for_evaluation ? "（其中 " + r.kept_for_evaluation + " 条留作评估，不参与训练）" : "") + "，重新训练后生效");
        for (const s of r.skipped) notice(s, "warn");
        reload();
      } catch (err) { notice(err.message, "error"); }
    };
    const faq = el("button", "新建常见问题", "small secondary");
    faq.onclick = async () => {
      const title = prompt("常见问题的标题", g.examples[0].text.slice(0, 20));
      if (!title) return;
      const text = prompt("机器人的回答");
      if (!text) return;
      try {
        const r = await api("POST", "/api/admin/inbox/faq", { item_ids: g.item_ids, title, text });
        notice("已新建常见问题“" + title + "”，含 " + r.added + " 种问法，重新训练后生效");
        for (const w of r.warnings) notice(w, "warn");
        reload();
      } catch (err) { notice(err.message, "error"); }
    };
    const dismiss = el("button", "忽略", "small danger");
    dismiss.onclick = async () => {
      try { await api("POST", "/api/admin/inbox/dismiss", { item_ids: g.item_ids }); reload(); } catch (err) { notice(err.message, "error"); }
    };
    row.append(choose, teach, faq, dismiss);
    box.append(row);
    return box;
  }

  async function load(notice) {
    const status = $("inbox-status").value;
    const box = $("inbox-groups");
    box.replaceChildren(el("p", "正在整理…", "muted"));
    const [groups, intents] = await Promise.all([
      api("GET", "/api/admin/inbox?status=" + status), api("GET", "/api/admin/intents")]);
    const reload = () => load(notice);
    box.replaceChildren(...groups.map((g) => groupNode(g, intents, notice, reload, status === "open")));
    if (!groups.length) box.append(el("p", status === "open" ? "暂时没有待优化的问题 🎉" : "没有记录", "muted"));
    $("inbox-status").onchange = reload;
  }
  window.shopInbox = { load };
})();
