// Agent console (客服工作台). Plain JavaScript; API and WebSocket protocol in
// docs/desk-api.md. Everything that comes from a customer is rendered with
// textContent, never as markup.
(function () {
  "use strict";

  const ROLE = { agent: "客服", supervisor: "主管", admin: "管理员" };
  const STATE = { bot: "机器人接待", queued: "排队中", with_agent: "人工接待中", closed: "已结束" };
  const CHANNELS = { web: "网页", wechat: "微信公众号" };
  const SENTI = { negative: "负面", neutral: "中性", positive: "正面" };
  const RETURN_REASONS = { no_reason: "七天无理由", faulty: "质量问题", damaged: "商品破损", wrong_item: "错发/漏发" };
  const SLOT_NAMES = { order_id: "订单号", phone: "手机号", return_reason: "退货原因", region: "地区",
    customer_id: "客户编号", customer_tier: "会员等级", channel: "渠道", return_confirmed: "已确认退货",
    handoff_reason: "转人工原因", human_offered: "已提议转人工", product: "咨询的商品（编号）",
    product_topic: "咨询的方面", verification_code: "短信验证" };
  // A visitor the desk has not verified (not signed in, not a bound WeChat
  // follower, no SMS code or order check yet): a phone number they typed proves nothing.
  const UNVERIFIED = "访客（身份未验证）";

  const S = { me: null, tab: "queue", queue: [], mine: [], tickets: [], ticketDrafts: {}, current: null, canned: [],
    groups: [], agents: [], unread: new Set(), ws: null, wsDelay: 1000, cannedIndex: 0 };

  const $ = (id) => document.getElementById(id);
  const { el, api } = window.desk;  // common.js
  window.desk.onUnauthorized = () => showLogin();
  function toast(text, ms = 3500) {
    const t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, ms);
  }
  function mmss(seconds) {
    const s = Math.abs(Math.round(seconds));
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  function time(iso) {
    return new Date(iso).toLocaleString("zh-CN", { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function tierClass(tier) { return tier === "金卡会员" ? "tier gold" : tier === "银卡会员" ? "tier silver" : "tier"; }

  // --- login ---------------------------------------------------------------

  // reason: why the agent has to log in again (shown on the log-in form).
  function showLogin(reason) {
    $("app").hidden = true;
    $("login-view").hidden = false;
    if (reason) $("login-error").textContent = reason;
    if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
  }
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      await api("POST", "/api/agents/login", { username: $("login-username").value.trim(), password: $("login-password").value });
      await start();
    } catch (err) { $("login-error").textContent = err.message; }
  });
  $("logout").onclick = async () => { await api("POST", "/api/agents/logout").catch(() => null); showLogin(); };

  async function start() {
    S.me = await api("GET", "/api/agents/me");
    $("login-view").hidden = true;
    $("app").hidden = false;
    $("me-name").textContent = S.me.display_name + "（" + (ROLE[S.me.role] || S.me.role) + "）";
    $("admin-link").hidden = S.me.role !== "admin";
    $("workspace-link").hidden = S.me.role === "agent";
    $("canned-edit").hidden = S.me.role === "agent";  // shared replies: supervisors and admins edit them
    document.querySelector('[data-tab="board"]').hidden = S.me.role === "agent";
    $("presence").value = S.me.presence;
    S.groups = await api("GET", "/api/console/groups");
    await loadIntents().catch(() => null);  // Chinese intent names; the raw name if this fails
    S.agents = S.me.role === "agent" ? [] : await api("GET", "/api/agents").catch(() => []);
    await Promise.all([loadQueue(), loadMine(), loadTickets(), loadStats(), loadCanned()]);
    renderLoad();
    connect();
    // /console?conversation=<id>: open it (the dashboard's follow-ups link here).
    const linked = new URLSearchParams(location.search).get("conversation");
    if (linked) openConversation(linked).catch((err) => toast(err.message));
  }

  $("presence").onchange = async () => {
    try { S.me = await api("PUT", "/api/agents/me/presence", { presence: $("presence").value }); renderLoad(); await loadMine(); }
    catch (err) { toast(err.message); }
  };
  function renderLoad() { $("load").textContent = "接待中 " + S.me.active_count + "/" + S.me.capacity; }

  // --- lists ---------------------------------------------------------------

  document.querySelectorAll(".tab").forEach((tab) => {
    tab.onclick = () => {
      S.tab = tab.dataset.tab;
      document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
      $("queue-list").hidden = S.tab !== "queue";
      $("mine-list").hidden = S.tab !== "mine";
      $("ticket-list").hidden = S.tab !== "tickets";
      $("history").hidden = S.tab !== "history";
      $("board").hidden = S.tab !== "board";
      if (S.tab === "history") $("history-q").focus();
      if (S.tab === "board") loadBoard();
    };
  });

  // The supervisor's live board: every open conversation, its agent, wait, SLA and the customer's mood.
  // Refreshed every 5 s while shown, and at once when the queue changes.
  async function loadBoard() {
    if (!S.me || S.me.role === "agent" || S.tab !== "board") return;
    try { S.board = await api("GET", "/api/supervisor/board"); renderBoard(); }
    catch (err) { $("board-list").replaceChildren(el("div", err.message, "empty-note")); }
  }
  setInterval(loadBoard, 5000);

  function renderBoard() {
    const b = S.board;
    const counts = $("board-counts");
    counts.replaceChildren(el("span", "排队 "), el("b", String(b.waiting)), el("span", " · 接待中 "), el("b", String(b.with_agent)));
    if (b.sla_late) counts.append(el("span", " · 超时 " + b.sla_late, "alert"));
    if (b.negative) counts.append(el("span", " · 情绪负面 " + b.negative, "alert"));
    const list = $("board-list");
    list.replaceChildren();
    if (!b.conversations.length) list.append(el("div", "当前没有排队或接待中的会话", "empty-note"));
    const now = Date.parse(b.now);
    for (const c of b.conversations) {
      const late = c.sla_breached || (c.sla_seconds_left !== null && c.sla_seconds_left < 0);
      const mood = c.last_sentiment && c.last_sentiment.label === "negative";
      const item = el("div", null, "item board-row" + (late ? " late" : "") + (mood ? " angry" : "") +
        (S.current && S.current.id === c.id ? " selected" : ""));
      item.setAttribute("data-testid", "board-item");
      item.dataset.conversationId = c.id;
      const row = el("div", null, "row");
      row.append(el("span", c.customer ? c.customer.name : UNVERIFIED, "name"),
        el("span", c.agent ? "客服 " + c.agent.name : "排队中", "meta"));
      const served = c.assigned_at ? "已接待 " + mmss(Math.round((now - Date.parse(c.assigned_at)) / 1000)) : null;
      const waited = c.wait_seconds !== null ? "已等待 " + mmss(c.wait_seconds) : null;
      const sla = c.sla_seconds_left !== null ? (c.sla_seconds_left < 0 ? "首次回复已超时" : "SLA 剩 " + mmss(c.sla_seconds_left))
        : c.sla_breached ? "曾超时" : null;
      const feeling = c.last_sentiment ? "情绪" + (SENTI[c.last_sentiment.label] || c.last_sentiment.label) : null;
      item.append(row, el("div", [CHANNELS[c.channel] || c.channel, c.group_name, waited || served, sla, feeling]
        .filter(Boolean).join(" · "), "meta"), el("div", c.preview, "preview"));
      item.onclick = () => openConversation(c.id);
      list.append(item);
    }
    const agents = $("board-agents");
    agents.replaceChildren(el("strong", "客服负载"));
    const PRESENCE = { online: "在线", away: "离开", offline: "离线" };
    for (const a of b.agents) {
      const line = el("div");
      line.append(el("span", a.display_name + "（" + (PRESENCE[a.presence] || a.presence) + "）"),
        el("span", a.active_count + "/" + a.capacity));
      agents.append(line);
    }
  }

  // History and search: past conversations by customer, phone, order number, words, tag and dates.
  $("history-form").onsubmit = async (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, id] of [["q", "history-q"], ["tag", "history-tag"], ["start", "history-start"], ["end", "history-end"]]) {
      if ($(id).value.trim()) params.set(key, $(id).value.trim());
    }
    const list = $("history-list");
    list.replaceChildren(el("div", "搜索中…", "empty-note"));
    try {
      const found = await api("GET", "/api/console/history?" + params);
      list.replaceChildren();
      if (!found.length) list.append(el("div", "没有找到相关会话", "empty-note"));
      for (const c of found) {
        const item = el("div", null, "item");
        item.setAttribute("data-testid", "history-item");
        item.dataset.conversationId = c.id;
        const row = el("div", null, "row");
        row.append(el("span", c.customer ? c.customer.name + "（" + c.customer.tier + "）" : UNVERIFIED, "name"));
        if (c.phone_masked) row.append(el("span", c.phone_masked, "meta"));
        row.append(el("span", c.state_name, "meta"));
        const meta = el("div", [time(c.last_activity_at), CHANNELS[c.channel] || c.channel, c.reason_name,
          c.rating ? "评分 " + "★".repeat(c.rating) : null, ...c.tags.map((t) => "#" + t)].filter(Boolean).join(" · "), "meta");
        item.append(row, meta, el("div", c.snippet, "preview"));
        item.onclick = () => openConversation(c.id);
        list.append(item);
      }
    } catch (err) { list.replaceChildren(el("div", err.message, "empty-note")); }
  };

  async function loadQueue() { S.queue = await api("GET", "/api/console/queue"); S.queueAt = Date.now(); renderQueue(); }
  async function loadMine() { S.mine = await api("GET", "/api/console/conversations?scope=mine"); renderMine(); }
  async function loadTickets() { S.tickets = await api("GET", "/api/console/tickets"); renderTickets(); }
  async function loadStats() {
    const st = await api("GET", "/api/console/stats");
    $("stat-queued").textContent = st.queued; $("stat-with-agent").textContent = st.with_agent;
    $("stat-online").textContent = st.agents_online; $("stat-breaches").textContent = st.sla_breaches_today;
  }

  function customerLine(c, row) {
    row.append(el("span", c.customer ? c.customer.name : UNVERIFIED, "name"));
    if (c.customer) row.append(el("span", c.customer.tier, tierClass(c.customer.tier)));
  }
  function slaText(c, elapsed) {
    if (c.sla_seconds_left === null || c.sla_seconds_left === undefined) return c.sla_breached ? ["已超时", true] : ["", false];
    const left = c.sla_seconds_left - elapsed;
    return left <= 0 || c.sla_breached ? ["已超时 " + mmss(left), true] : ["剩余 " + mmss(left), false];
  }

  function renderQueue() {
    const list = $("queue-list");
    list.replaceChildren();
    $("queue-count").textContent = S.queue.length;
    if (!S.queue.length) list.append(el("div", "暂无排队的客户", "empty-note"));
    for (const c of S.queue) {
      const item = el("div", null, "item");
      item.setAttribute("data-testid", "queue-item");
      item.dataset.conversationId = c.id;
      const row = el("div", null, "row");
      customerLine(c, row);
      // Why it is ahead of the others, in words (金卡会员 / 投诉 / 情绪激动), not a bare number.
      if (c.priority > 0) {
        const prio = el("span", "优先：" + ((c.priority_reasons || []).join("、") || "较高"), "prio");
        prio.setAttribute("data-testid", "priority");
        row.append(prio);
      }
      const claim = el("button", "接入", "claim");
      claim.setAttribute("data-testid", "claim");
      claim.onclick = (event) => { event.stopPropagation(); claimConversation(c.id); };
      row.append(claim);
      const meta = el("div", null, "meta");
      // The reason, then the skill group when it says something else ("投诉 · 投诉" said it twice).
      const why = [c.reason_name, c.group_name && c.group_name !== c.reason_name ? c.group_name + "组" : null];
      meta.append(el("span", why.filter(Boolean).join(" · ") + " · 等待 "));
      const wait = el("span", mmss(c.wait_seconds || 0));
      wait.dataset.wait = c.wait_seconds || 0;
      meta.append(wait, el("span", " · "));
      const [text, late] = slaText(c, 0);
      const sla = el("span", text, late ? "sla late" : "sla");
      sla.dataset.sla = "1";
      meta.append(sla);
      item.append(row, meta, el("div", c.preview, "preview"));
      if (c.last_sentiment && c.last_sentiment.label === "negative") item.append(el("span", "情绪负面", "senti negative"));
      item.onclick = () => openConversation(c.id);
      if (S.current && S.current.id === c.id) item.classList.add("selected");
      c._waitNode = wait; c._slaNode = sla;
      list.append(item);
    }
  }

  function renderMine() {
    const list = $("mine-list");
    list.replaceChildren();
    $("mine-count").textContent = S.mine.length;
    if (!S.mine.length) list.append(el("div", "暂无接待中的会话", "empty-note"));
    for (const c of S.mine) {
      const item = el("div", null, "item");
      item.setAttribute("data-testid", "my-conversation");
      item.dataset.conversationId = c.id;
      const row = el("div", null, "row");
      if (S.unread.has(c.id)) row.append(el("span", "", "unread"));
      customerLine(c, row);
      row.append(el("span", c.group_name || "", "meta"));
      item.append(row, el("div", c.preview, "preview"));
      if (c.last_sentiment && c.last_sentiment.label === "negative") item.append(el("span", "情绪负面", "senti negative"));
      item.onclick = () => openConversation(c.id);
      if (S.current && S.current.id === c.id) item.classList.add("selected");
      list.append(item);
    }
    if (S.me) { S.me.active_count = S.mine.length; renderLoad(); }
  }

  function renderTickets() {
    const list = $("ticket-list");
    list.replaceChildren();
    $("ticket-count").textContent = S.tickets.length;
    if (!S.tickets.length) list.append(el("div", "暂无留言", "empty-note"));
    for (const t of S.tickets) {
      const item = el("div", null, "item");
      item.setAttribute("data-testid", "ticket-item");
      item.append(el("div", [t.customer_id || "访客", CHANNELS[t.channel] || t.channel, time(t.created_at),
        t.contact ? "联系方式 " + t.contact : null].filter(Boolean).join(" · "), "meta"));
      item.append(el("div", t.text, "preview"));
      item.onclick = () => openConversation(t.conversation_id);
      // Answer here: the answer reaches the customer in their own channel (and by SMS where set up).
      const box = el("div", null, "ticket-answer");
      const input = document.createElement("textarea");
      input.maxLength = 1000;
      input.placeholder = "回复这条留言…";
      input.setAttribute("data-testid", "ticket-answer-input");
      input.value = S.ticketDrafts[t.id] || "";  // a refresh of the list keeps what the agent typed
      input.oninput = () => { S.ticketDrafts[t.id] = input.value; };
      const send = el("button", "回复留言", "primary");
      send.setAttribute("data-testid", "ticket-answer-send");
      box.onclick = (event) => event.stopPropagation();
      send.onclick = async () => {
        if (!input.value.trim()) return;
        send.disabled = true;
        try {
          const out = await api("POST", "/api/console/tickets/" + t.id + "/answer", { text: input.value });
          delete S.ticketDrafts[t.id];
          toast("已回复留言：" + out.delivery.join("；"), 8000);
          await loadTickets();
        } catch (err) { toast(err.message); send.disabled = false; }
      };
      box.append(input, send);
      item.append(box);
      list.append(item);
    }
  }

  // Waiting times and SLA countdowns tick locally between refreshes.
  setInterval(() => {
    if (!S.queueAt) return;
    const elapsed = Math.round((Date.now() - S.queueAt) / 1000);
    for (const c of S.queue) {
      if (c._waitNode) c._waitNode.textContent = mmss((c.wait_seconds || 0) + elapsed);
      if (c._slaNode) { const [text, late] = slaText(c, elapsed); c._slaNode.textContent = text; c._slaNode.className = late ? "sla late" : "sla"; }
    }
    if (S.current) renderSla();
  }, 1000);
  setInterval(() => { if (!$("app").hidden) { loadQueue().catch(() => null); loadStats().catch(() => null); } }, 10000);

  async function claimConversation(id) {
    try {
      await api("POST", "/api/console/conversations/" + id + "/claim");
      await Promise.all([loadQueue(), loadMine()]);
      await openConversation(id);
    } catch (err) {
      toast(err.message);
      await loadQueue();
    }
  }

  // --- conversation --------------------------------------------------------

  async function openConversation(id) {
    S.current = await api("GET", "/api/console/conversations/" + id);
    S.current._openedAt = Date.now();
    S.unread.delete(id);
    if (S.ws && S.ws.readyState === 1) S.ws.send(JSON.stringify({ type: "watch", conversation_id: id }));
    $("empty").hidden = true;
    $("conversation").hidden = false;
    renderConversation();
    renderQueue();
    renderMine();
  }

  function renderConversation() {
    const c = S.current;
    $("conv-customer").textContent = c.customer ? c.customer.name + "（" + c.customer.tier + "）" : UNVERIFIED;
    $("conv-state").textContent = (CHANNELS[c.channel] || c.channel) + " · " + STATE[c.state] + (c.agent ? " · " + c.agent.name : "");
    const mineNow = c.state === "with_agent" && c.agent && c.agent.id === S.me.id;
    $("claim-open").hidden = c.state !== "queued";
    $("resolve").hidden = !(c.state === "with_agent" || c.state === "queued");
    // A supervisor looking at a colleague's conversation watches it silently: whisper, or take it over.
    const watching = S.me.role !== "agent" && c.state === "with_agent" && c.agent && c.agent.id !== S.me.id;
    $("watching").hidden = !watching;
    $("whisper-mode").hidden = !watching;
    if (watching && c._watchDefault !== true) {  // replying to the customer needs a deliberate choice
      c._watchDefault = true;
      document.querySelector('input[name="mode"][value="whisper"]').checked = true;
      setComposeMode();
    } else if (!watching && mode() === "whisper") {
      document.querySelector('input[name="mode"][value="reply"]').checked = true;
      setComposeMode();
    }
    $("reply-send").disabled = !(mineNow || (c.state === "with_agent" && S.me.role !== "agent"));
    $("tag-input").hidden = !mayAnnotate(c);
    renderTags();
    renderTransferTargets();
    renderSla();
    const box = $("transcript");
    box.replaceChildren();
    const items = c.messages.map((m) => ({ at: m.created_at, seq: m.seq, kind: "message", m }))
      .concat(c.notes.map((n) => ({ at: n.created_at, seq: 0, kind: "note", m: n })));
    items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
    for (const it of items) box.append(it.kind === "note" ? noteNode(it.m) : messageNode(it.m));
    box.scrollTop = box.scrollHeight;
    renderContext();
  }

  function renderSla() {
    const c = S.current;
    const elapsed = Math.round((Date.now() - (c._openedAt || Date.now())) / 1000);
    const [text, late] = slaText(c, elapsed);
    const done = c.sla_due_at && !text && !c.sla_breached && c.state !== "queued";
    $("conv-sla").textContent = text ? "首次回复 SLA " + text : done ? "首次回复已达标" : "";
    $("conv-sla").className = late ? "sla late" : "sla";
  }

  function messageNode(m) {
    const who = m.role === "customer" ? "客户" : m.role === "bot" ? "智能助手" : m.role === "agent" ? "客服·" + (m.agent_name || "") : "系统";
    const node = el("div", null, "msg " + m.role);
    node.setAttribute("data-testid", "console-message");
    node.dataset.role = m.role;
    node.dataset.id = m.id;
    node.append(el("div", who + " " + time(m.created_at), "who"), m.attachment ? attachmentNode(m.attachment) : el("div", m.text, "bubble"));
    if (m.cards && m.cards.length) node.append(cardsNode(m.cards));
    if (m.role === "customer") {
      const line = nluLine(m.nlu, m.id);
      if (m.nlu && m.nlu.intent) line.append(" ", flagControl(m.id));
      node.append(line);
    }
    if (m.delivery && m.delivery.status !== "sent") {
      // The customer's channel (WeChat) did not take it: say so, never fail silently.
      node.classList.add("undelivered");
      const line = el("div", "⚠ " + (m.delivery.detail || "未送达"), "delivery");
      line.setAttribute("data-testid", "undelivered");
      node.append(line);
    }
    if (m.role === "customer" && m.nlu && m.nlu.sentiment && m.nlu.sentiment.label === "negative") {
      node.classList.add("negative");
      node.dataset.sentiment = "negative";
    }
    return node;
  }
  // The orders and products the bot showed the customer, as the customer saw them.
  function cardsNode(cards) {
    const box = el("div", null, "cards");
    for (const c of cards) {
      const card = el("div", null, "card");
      card.setAttribute("data-testid", "console-card");
      const img = document.createElement("img");
      img.src = c.image;
      img.alt = c.title;
      const info = el("div", null, "info");
      info.append(el("div", c.title, "title"), el("div", [c.subtitle, c.price, c.status].filter(Boolean).join(" · "), "sub"));
      card.append(img, info);
      box.append(card);
    }
    return box;
  }

  // A photo (its thumbnail, opening the whole one in a new tab) or a PDF (downloaded).
  function attachmentNode(a) {
    const url = "/api/console/attachments/" + encodeURIComponent(a.id);
    const box = el("div", null, "bubble media");
    const link = document.createElement("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    if (a.kind === "image") {
      const img = document.createElement("img");
      img.src = url + "?size=thumb";
      img.alt = "图片（点击查看原图）";
      img.loading = "lazy";
      img.setAttribute("data-testid", "console-image");
      link.title = "查看原图 " + (a.width || "") + "×" + (a.height || "");
      link.append(img);
    } else {
      link.textContent = "📄 " + a.name + "（" + Math.max(1, Math.round(a.size_bytes / 1024)) + " KB，点击下载）";
      link.setAttribute("data-testid", "console-file");
    }
    box.append(link);
    return box;
  }

  // Chinese names of the intents (GET /api/console/intents), loaded once.
  let intentNames = null;
  async function loadIntents() {
    if (!intentNames) intentNames = await api("GET", "/api/console/intents");
    return intentNames;
  }
  function intentName(name) {
    const found = (intentNames || []).find((i) => i.name === name);
    return found ? found.label : name;
  }
  // "机器人理解错了": the message goes to the admins' inbox with the intent it should have had.
  function flagControl(messageId) {
    const box = el("span", null, "flag");
    const open = el("button", "机器人理解错了", "link small");
    open.setAttribute("data-testid", "flag-message");
    open.onclick = async () => {
      const choose = el("select");
      choose.setAttribute("data-testid", "flag-intent");
      choose.append(new Option("应该理解为…", ""));
      for (const i of await loadIntents()) choose.append(new Option(i.label, i.name));
      const send = el("button", "提交", "small");
      send.setAttribute("data-testid", "flag-submit");
      send.onclick = async () => {
        if (!choose.value) return;
        try {
          await api("POST", "/api/console/messages/" + messageId + "/flag", { intent: choose.value });
          box.replaceChildren(el("span", "已提交给管理员：应为“" + intentName(choose.value) + "”", "muted"));
        } catch (err) { toast(err.message); }
      };
      box.replaceChildren(choose, send);
    };
    box.append(open);
    return box;
  }
  function nluLine(nlu, messageId) {
    const line = el("div", null, "nlu");
    if (!nlu || !nlu.intent) { line.textContent = nlu && nlu.error ? "机器人未能解析" : ""; return line; }
    line.append(el("span", "意图 " + intentName(nlu.faq || nlu.intent) + " " + Number(nlu.confidence).toFixed(2)));
    (nlu.entities || []).forEach((e) => line.append(el("span", " · " + (SLOT_NAMES[e.entity] || "信息") + "：" + e.value)));
    if (nlu.sentiment && nlu.sentiment.label) {
      line.append(el("span", (SENTI[nlu.sentiment.label] || nlu.sentiment.label) + " " + Number(nlu.sentiment.score || 0).toFixed(2),
        "senti " + nlu.sentiment.label));
    }
    return line;
  }
  function noteNode(n) {
    const node = el("div", null, "msg note" + (n.whisper ? " whisper" : ""));
    node.setAttribute("data-testid", "console-message");
    node.dataset.role = n.whisper ? "whisper" : "note";
    const label = n.whisper ? "主管悄悄话（只有接待客服看得到）· " : "内部备注（客户不可见）· ";
    node.append(el("div", label + n.agent_name + " " + time(n.created_at), "who"), el("div", n.text, "bubble"));
    return node;
  }

  // Notes and tags: the agent holding the conversation, or a supervisor or an admin.
  function mayAnnotate(c) { return (c.agent && c.agent.id === S.me.id) || S.me.role !== "agent"; }
  function renderTags() {
    const box = $("tags");
    box.replaceChildren();
    for (const tag of S.current.tags) {
      const chip = el("span", tag, "tag");
      if (mayAnnotate(S.current)) {
        const x = el("button", "×");
        x.title = "删除标签";
        x.onclick = () => saveTags(S.current.tags.filter((t) => t !== tag));
        chip.append(x);
      }
      box.append(chip);
    }
  }
  async function saveTags(tags) {
    try { const out = await api("PUT", "/api/console/conversations/" + S.current.id + "/tags", { tags }); S.current.tags = out.tags; renderTags(); }
    catch (err) { toast(err.message); }
  }
  $("tag-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.value.trim()) {
      saveTags(S.current.tags.concat([event.target.value.trim()]));
      event.target.value = "";
    }
  });

  function renderTransferTargets() {
    const select = $("transfer-target");
    select.replaceChildren(el("option", "转接到…"));
    select.firstChild.value = "";
    for (const g of S.groups) { const o = el("option", "技能组：" + g.name); o.value = "group:" + g.key; select.append(o); }
    for (const a of S.agents) {
      if (a.id === S.me.id || !a.active) continue;
      const o = el("option", "客服：" + a.display_name + "（" + a.active_count + "/" + a.capacity + "）");
      o.value = "agent:" + a.id;
      select.append(o);
    }
  }
  $("transfer").onclick = async () => {
    const value = $("transfer-target").value;
    if (!value) return toast("请选择转接目标");
    const [kind, target] = value.split(":");
    try {
      await api("POST", "/api/console/conversations/" + S.current.id + "/transfer",
        kind === "group" ? { group: target } : { agent_id: Number(target) });
      toast("已转接");
      await Promise.all([loadMine(), loadQueue()]);
      await openConversation(S.current.id);
    } catch (err) { toast(err.message); }
  };
  $("claim-open").onclick = () => claimConversation(S.current.id);
  $("resolve").onclick = async () => {
    if (!confirm("确定结束本次会话吗？客户的下一条消息将由智能助手回复。")) return;
    try {
      await api("POST", "/api/console/conversations/" + S.current.id + "/resolve");
      toast("会话已结束");
      await Promise.all([loadMine(), loadQueue(), loadStats()]);
      await openConversation(S.current.id);
    } catch (err) { toast(err.message); }
  };

  // --- context panel ------------------------------------------------------

  function section(title) { const h = el("h3", title); $("context").append(h); return h; }
  function kv(pairs) {
    const dl = el("dl", null, "kv");
    for (const [k, v] of pairs) { dl.append(el("dt", k), el("dd", v === null || v === undefined || v === "" ? "—" : v)); }
    $("context").append(dl);
    return dl;
  }
  function renderContext() {
    const c = S.current;
    const box = $("context");
    box.replaceChildren();
    section("转人工原因");
    const reason = el("div", null, "reason");
    reason.setAttribute("data-testid", "handoff-reason");
    reason.append(el("div", c.handoff.reason_name || "未转人工"));
    if (c.handoff.note) reason.append(el("div", "客户原话：" + c.handoff.note, "nlu"));
    if (c.handoff.requested_at) reason.append(el("div", "时间：" + time(c.handoff.requested_at) + " · " + (c.group_name || ""), "nlu"));
    box.append(reason);

    section("情绪走势");
    const trail = el("div", null, "trail");
    trail.setAttribute("data-testid", "sentiment-trail");
    const said = c.messages.filter((m) => m.role === "customer");
    const labels = said.map((m) => (m.nlu && m.nlu.sentiment ? m.nlu.sentiment.label : null)).filter(Boolean);
    if (!labels.length) trail.append(el("span", "暂无", "nlu"));
    for (const label of labels) { const d = el("span", "", "dot " + label); d.title = SENTI[label] || label; d.dataset.label = label; trail.append(d); }
    if (labels.length >= 2) {
      // The latest messages (up to three) against all the ones before them, not only the first and the last.
      const score = (l) => (l === "negative" ? -1 : l === "positive" ? 1 : 0);
      const mean = (xs) => xs.reduce((a, l) => a + score(l), 0) / xs.length;
      const recent = Math.min(3, labels.length - 1);
      const diff = mean(labels.slice(-recent)) - mean(labels.slice(0, -recent));
      const trend = el("span", diff <= -0.34 ? " 趋势：变差" : diff >= 0.34 ? " 趋势：好转" : " 趋势：平稳", "nlu");
      trend.setAttribute("data-testid", "sentiment-trend");
      trail.append(trend);
    }
    box.append(trail);

    section("机器人已收集");
    // What the bot collected, in words; its own bookkeeping (which question is open, whether it offered
    // a human) is said once as 正在询问, or not at all once the conversation reached a human.
    // 已提议转人工 only while the offer is open (offered, not handed off); the offer's reason code never.
    const offerOpen = c.slots && c.slots.human_offered === true && !c.handoff.reason;
    const slots = Object.entries(c.slots || {}).filter(([k, v]) => SLOT_NAMES[k] && v !== null && v !== ""
      && k !== "handoff_reason" && (k !== "human_offered" || offerOpen));
    const asking = (c.slots || {}).requested_slot;
    if (asking && SLOT_NAMES[asking]) slots.unshift(["requested_slot", asking]);
    const words = (k, v) => k === "requested_slot" ? SLOT_NAMES[v]
      : k === "channel" ? CHANNELS[v] || String(v)
      : k === "return_reason" ? RETURN_REASONS[v] || String(v)
      : k === "verification_code" ? "已发送"
      : k === "phone" ? String(v).replace(/^(\d{3})\d{4}(\d{4})$/, "$1****$2")
      : v === true ? "是" : v === false ? "否" : typeof v === "object" ? JSON.stringify(v) : String(v);
    if (!slots.length) box.append(el("div", "暂无", "nlu"));
    else kv(slots.map(([k, v]) => [k === "requested_slot" ? "正在询问" : SLOT_NAMES[k], words(k, v)]));

    section("客户信息");
    const p = c.customer_profile;
    if (!p) box.append(el("div", UNVERIFIED + "：顾客自称的手机号不能证明身份，请勿透露订单、地址等个人信息", "nlu unverified"));
    else kv([["姓名", p.name], ["手机", p.phone_masked], ["会员等级", p.tier.name], ["积分", p.points],
      ["近12月消费", "¥" + p.spend_12m_yuan.toFixed(2)],
      ["距下一等级", p.next_tier ? p.next_tier.name + " 还差 ¥" + p.spend_to_next_tier_yuan.toFixed(2) : "已是最高等级"]]);

    section("历史记录");
    const past = el("div", null, "timeline");
    past.setAttribute("data-testid", "customer-timeline");
    if (!(c.timeline || []).length) past.append(el("div", c.customer ? "这是该客户的第一次咨询" : "访客：没有历史记录", "nlu"));
    for (const e of c.timeline || []) {
      const line = el("div", null, "entry " + e.kind);
      line.append(el("div", time(e.at) + " " + e.title + (e.rating ? " · 评分 " + "★".repeat(e.rating) : ""), "what"),
        el("div", e.detail, "nlu"));
      if (e.conversation_id) { line.classList.add("link"); line.onclick = () => openConversation(e.conversation_id); }
      past.append(line);
    }
    box.append(past);

    section("最近订单");
    if (!c.orders.length) box.append(el("div", "暂无订单", "nlu"));
    for (const o of c.orders) {
      const card = el("div", null, "order");
      const head = el("div", null, "head");
      head.append(el("span", o.order_id), el("span", o.status_zh));
      card.append(head, el("div", o.item_names.join("、") + " · ¥" + o.total_yuan.toFixed(2), "nlu"));
      if (o.carrier) card.append(el("div", o.carrier + " " + (o.tracking_no || ""), "nlu"));
      const events = el("div", null, "events");
      for (const e of o.events.slice(0, 2)) events.append(el("div", time(e.time) + " " + e.location + " " + e.description));
      card.append(events);
      box.append(card);
    }
  }

  // --- composing ----------------------------------------------------------

  function mode() { return document.querySelector('input[name="mode"]:checked').value; }
  function setComposeMode() {
    document.querySelector(".compose").classList.toggle("note-mode", mode() === "note");
    document.querySelector(".compose").classList.toggle("whisper-mode", mode() === "whisper");
  }
  document.querySelectorAll('input[name="mode"]').forEach((r) => { r.onchange = setComposeMode; });

  $("take-over").onclick = async () => {
    if (!S.current || !confirm("接手后由您直接接待该客户，原客服将不再接待。确定接手？")) return;
    try {
      await api("POST", "/api/supervisor/conversations/" + S.current.id + "/take-over");
      document.querySelector('input[name="mode"][value="reply"]').checked = true;
      setComposeMode();
      await Promise.all([loadMine(), loadBoard()]);
      await openConversation(S.current.id);
    } catch (err) { toast(err.message); }
  };

  async function send() {
    const box = $("reply-input");
    const text = box.value.trim();
    $("reply-error").textContent = "";
    if (!text || !S.current) return;
    const whisper = mode() === "whisper";
    const note = mode() === "note" || whisper;
    if (!note && $("reply-send").disabled) { $("reply-error").textContent = "请先接入该会话"; return; }
    if (note && !mayAnnotate(S.current)) { $("reply-error").textContent = "只能在您接待的会话中添加备注"; return; }
    const url = whisper ? "/api/supervisor/conversations/" + S.current.id + "/whisper"
      : "/api/console/conversations/" + S.current.id + (note ? "/notes" : "/messages");
    try {
      const out = await api("POST", url, { text });
      box.value = "";
      // The live event may have brought it first: never twice.
      const list = note ? S.current.notes : S.current.messages;
      if (!list.some((m) => m.id === out.id)) list.push(out);
      renderConversation();
    } catch (err) { $("reply-error").textContent = err.message; }
  }
  $("reply-send").onclick = send;

  // A photo or a PDF to the customer (the picker, or pasted into the reply box).
  async function sendFiles(files) {
    $("reply-error").textContent = "";
    if (!S.current || !files.length) return;
    if (mode() === "note") { $("reply-error").textContent = "备注不能附带图片或文件"; return; }
    if ($("reply-send").disabled) { $("reply-error").textContent = "请先接入该会话"; return; }
    for (const file of files) {
      try {
        const res = await fetch("/api/console/conversations/" + S.current.id + "/attachments", {
          method: "POST", body: file, credentials: "same-origin",
          headers: { "X-File-Name": encodeURIComponent(file.name || ""), "Content-Type": "application/octet-stream" },
        });
        const out = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(out.detail || "发送失败，请稍后重试");
        if (!S.current.messages.some((m) => m.id === out.id)) S.current.messages.push(out);
        renderConversation();
      } catch (err) { $("reply-error").textContent = (file.name ? file.name + "：" : "") + err.message; }
    }
  }
  $("reply-attach").onclick = () => $("reply-file").click();
  $("reply-file").onchange = () => { sendFiles([...$("reply-file").files]); $("reply-file").value = ""; };
  $("reply-input").addEventListener("paste", (event) => {
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (files.length) { event.preventDefault(); sendFiles(files); }
  });

  function cannedMatches() {
    const value = $("reply-input").value;
    if (!value.startsWith("/")) return [];
    const q = value.slice(1).toLowerCase();
    return S.canned.filter((c) => c.shortcut.toLowerCase().includes(q) || c.title.includes(q));
  }
  function renderCannedMenu(list) {
    const menu = $("canned-menu");
    menu.replaceChildren();
    menu.hidden = !list.length;
    list.forEach((c, i) => {
      const row = el("div", null, i === S.cannedIndex ? "active" : "");
      row.append(el("b", c.shortcut), el("span", c.title + "：" + c.text));
      row.onmousedown = (event) => { event.preventDefault(); insertCanned(c); };
      menu.append(row);
    });
  }
  function insertCanned(c) {
    $("reply-input").value = c.text;
    $("canned-menu").hidden = true;
    $("reply-input").focus();
  }
  $("reply-input").addEventListener("input", () => {
    S.cannedIndex = 0;
    renderCannedMenu(cannedMatches());
    const now = Date.now();
    if (S.current && S.ws && S.ws.readyState === 1 && (!S.lastTyping || now - S.lastTyping > 2000)) {
      S.lastTyping = now;
      S.ws.send(JSON.stringify({ type: "typing", conversation_id: S.current.id }));
    }
  });
  $("reply-input").addEventListener("keydown", (event) => {
    const menuOpen = !$("canned-menu").hidden;
    const list = menuOpen ? cannedMatches() : [];
    if (menuOpen && list.length && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      S.cannedIndex = (S.cannedIndex + (event.key === "ArrowDown" ? 1 : list.length - 1)) % list.length;
      renderCannedMenu(list);
    } else if (menuOpen && list.length && (event.key === "Tab" || event.key === "Enter")) {
      event.preventDefault();
      insertCanned(list[S.cannedIndex] || list[0]);
    } else if (event.key === "Escape") {
      $("canned-menu").hidden = true;
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  $("canned-button").onclick = () => {
    S.cannedIndex = 0;
    const menu = $("canned-menu");
    if (!menu.hidden) { menu.hidden = true; return; }
    renderCannedMenu(S.canned);
  };

  async function loadCanned() { S.canned = await api("GET", "/api/console/canned"); renderCannedRows(); }
  function renderCannedRows() {
    const rows = $("canned-rows");
    rows.replaceChildren();
    for (const c of S.canned) {
      const row = el("div");
      const edit = el("button", "编辑", "link");
      edit.onclick = () => { $("canned-id").value = c.id; $("canned-shortcut").value = c.shortcut; $("canned-title").value = c.title; $("canned-text").value = c.text; };
      const del = el("button", "删除", "link");
      del.onclick = async () => {
        try { await api("DELETE", "/api/console/canned/" + c.id); await loadCanned(); } catch (err) { $("canned-error").textContent = err.message; }
      };
      row.append(el("b", c.shortcut), el("span", c.title), el("span", c.text, "text"), edit, del);
      rows.append(row);
    }
  }
  $("canned-edit").onclick = () => $("canned-dialog").showModal();
  $("canned-close").onclick = () => $("canned-dialog").close();
  $("canned-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("canned-id").value;
    const body = { shortcut: $("canned-shortcut").value.trim(), title: $("canned-title").value.trim(), text: $("canned-text").value.trim() };
    try {
      await api(id ? "PUT" : "POST", "/api/console/canned" + (id ? "/" + id : ""), body);
      $("canned-form").reset(); $("canned-id").value = ""; $("canned-error").textContent = "";
      await loadCanned();
    } catch (err) { $("canned-error").textContent = err.message; }
  });

  // --- live updates -------------------------------------------------------

  function connect() {
    const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/console");
    S.ws = ws;
    ws.onopen = () => {
      S.wsDelay = 1000;
      $("conn").textContent = "实时连接正常";
      $("conn").className = "conn";
      if (S.current) ws.send(JSON.stringify({ type: "watch", conversation_id: S.current.id }));
      // Catch up with whatever happened while disconnected.
      Promise.all([loadQueue(), loadMine(), loadStats(), loadTickets()]).catch(() => null);
      if (S.current) openConversation(S.current.id).catch(() => null);
    };
    ws.onmessage = (event) => onEvent(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (S.ws !== ws) return;
      S.ws = null;
      $("conn").className = "conn down";
      // 4401: the session is gone (logged out, expired, or the account was
      // changed): log in again. 4403: refused for its origin; retrying will not help.
      if (event.code === 4401) return showLogin(event.reason || "您的账号已在其他地方变更，请重新登录");
      if (event.code === 4403) { $("conn").textContent = event.reason || "实时连接被拒绝"; return; }
      $("conn").textContent = "连接断开，正在重连…";
      // Still logged in? (a 401 shows the log-in form instead of retrying for ever)
      setTimeout(() => {
        if ($("app").hidden || S.ws) return;
        api("GET", "/api/agents/me").then(connect, (err) => { if (err.status !== 401) connect(); });
      }, S.wsDelay);
      S.wsDelay = Math.min(S.wsDelay * 2, 15000);
    };
  }

  let queueTimer = null;
  function onEvent(ev) {
    if (ev.type === "queue") {
      clearTimeout(queueTimer);  // bursts of changes: one refetch
      queueTimer = setTimeout(() => { loadQueue().catch(() => null); loadStats().catch(() => null); loadBoard(); }, 150);
    } else if (ev.type === "conversation") {
      loadMine().catch(() => null);
      if (S.current && ev.conversation.id === S.current.id) {
        Object.assign(S.current, ev.conversation);
        S.current._openedAt = Date.now();
        renderConversation();
      } else if (ev.conversation.agent && ev.conversation.agent.id === S.me.id && ev.conversation.state === "with_agent") {
        S.unread.add(ev.conversation.id);
        toast("新会话已分配给您：" + (ev.conversation.customer ? ev.conversation.customer.name : UNVERIFIED));
      }
    } else if (ev.type === "message") {
      if (S.current && ev.conversation_id === S.current.id) {
        const list = S.current.messages;
        const i = list.findIndex((m) => m.id === ev.message.id);
        if (i >= 0) list[i] = ev.message; else list.push(ev.message);
        renderConversation();
        $("typing").textContent = "";
      } else {
        S.unread.add(ev.conversation_id);
        renderMine();
      }
    } else if (ev.type === "negative") {
      // The customer of a conversation with an agent wrote something angry.
      const name = S.current && ev.conversation_id === S.current.id ? "当前客户" : "您接待的一位客户";
      toast("注意：" + name + "情绪负面，请优先安抚");
      if (!(S.current && ev.conversation_id === S.current.id)) { S.unread.add(ev.conversation_id); renderMine(); }
    } else if (ev.type === "note") {
      if (S.current && ev.conversation_id === S.current.id && !S.current.notes.some((n) => n.id === ev.note.id)) {
        S.current.notes.push(ev.note);
        renderConversation();
      }
      if (ev.note.whisper && ev.agent_id === S.me.id) {  // a supervisor's word to me: at once, wherever I am
        toast(ev.note.agent_name + " 悄悄提醒：" + ev.note.text, 12000);
        if (!(S.current && ev.conversation_id === S.current.id)) { S.unread.add(ev.conversation_id); renderMine(); }
      }
    } else if (ev.type === "typing") {
      if (S.current && ev.conversation_id === S.current.id) {
        $("typing").textContent = "客户正在输入…";
        clearTimeout(onEvent.typingTimer);
        onEvent.typingTimer = setTimeout(() => { $("typing").textContent = ""; }, 3000);
      }
    }
  }

  // --- boot ----------------------------------------------------------------
  start().catch(() => showLogin());
})();
