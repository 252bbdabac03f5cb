// The admin workspace (机器人训练台): FAQ answers, training examples, training
// jobs and model versions, the audit log. Admins do everything; supervisors edit
// FAQ and examples; the page hides what the role may not do (the API refuses it too).
(function () {
  "use strict";
  const { el, api, time, pct } = window.desk;
  const $ = (id) => document.getElementById(id);
  const STATE = { queued: "排队中", running: "训练中", succeeded: "已完成", failed: "失败", cancelled: "已取消" };
  let me = null;
  let intents = [];
  let faqKey = null;
  let faqVersion = null;
  let intentName = null;
  let auditBefore = null;
  let polling = null;

  function notice(text, kind) {
    const box = el("div", text, kind || "");
    $("notice").append(box);
    while ($("notice").children.length > 3) $("notice").firstChild.remove();  // the latest three
    setTimeout(() => box.remove(), kind === "error" ? 8000 : 5000);
  }
  function warnAll(list) { for (const w of list || []) notice(w, "warn"); }
  function failed(err) { notice(err.message, "error"); }
  function label(name) { const i = intents.find((x) => x.name === name); return i ? i.label : name; }

  // --- tabs -------------------------------------------------------------------
  function show(tab) {
    for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
    for (const m of document.querySelectorAll("main.tab")) m.hidden = m.id !== "tab-" + tab;
    if (tab === "faq") loadFaq();
    if (tab === "examples") loadIntents();
    if (tab === "models") loadModels();
    if (tab === "rules") window.shopRules.load(me, notice).catch(failed);
    if (tab === "inbox") window.shopInbox.load(notice).catch(failed);
    if (tab === "audit") { auditBefore = null; $("audit").replaceChildren(); loadAudit(); }
    history.replaceState(null, "", "#" + tab);
  }

  // --- FAQ --------------------------------------------------------------------
  async function loadFaq() {
    const q = $("faq-search").value.trim();
    const list = await api("GET", "/api/admin/faq" + (q ? "?q=" + encodeURIComponent(q) : ""));
    $("faq-list").replaceChildren(...list.map((a) => {
      const li = el("li", null, a.key === faqKey ? "selected" : "", { "data-key": a.key });
      li.append(el("strong", a.title), el("small", a.text.slice(0, 40) + (a.text.length > 40 ? "…" : "")),
                el("small", a.example_count + " 种问法 · " + a.updated_by + " " + time(a.updated_at)));
      for (const w of a.warnings) li.append(el("div", w, "warn"));
      li.onclick = () => openFaq(a.key);
      return li;
    }));
  }
  function buttonsText(buttons) { return buttons.map((b) => b.title + "|" + b.payload).join("\n"); }
  function parseButtons(text) {
    return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const [title, ...rest] = l.split("|");
      return { title: title.trim(), payload: (rest.join("|") || title).trim() };
    });
  }
  async function openFaq(key) {
    const a = await api("GET", "/api/admin/faq/" + encodeURIComponent(key));
    faqKey = key; faqVersion = a.version;
    $("faq-editor").hidden = false;
    $("faq-heading").textContent = "编辑：" + a.title;
    $("faq-title").value = a.title; $("faq-text").value = a.text; $("faq-buttons").value = buttonsText(a.buttons);
    $("faq-delete").hidden = false;
    await loadFaqExamples();
    for (const li of $("faq-list").children) li.classList.toggle("selected", li.dataset.key === key);
  }
  function newFaq() {
    faqKey = null; faqVersion = null;
    $("faq-editor").hidden = false;
    $("faq-heading").textContent = "新建常见问题";
    $("faq-title").value = ""; $("faq-text").value = ""; $("faq-buttons").value = "";
    $("faq-delete").hidden = true;
    $("faq-examples").replaceChildren(el("li", "保存后可添加问法（至少 5 种）", "muted"));
    $("faq-title").focus();
  }
  async function saveFaq() {
    const body = { title: $("faq-title").value, text: $("faq-text").value, buttons: parseButtons($("faq-buttons").value) };
    try {
      if (faqKey) {
        const a = await api("PUT", "/api/admin/faq/" + faqKey, { ...body, version: faqVersion });
        faqVersion = a.version;
        notice("已保存，顾客从下一句起就会看到新的回答");
      } else {
        const a = await api("POST", "/api/admin/faq", body);
        warnAll(a.warnings);
        notice("已新建“" + a.title + "”。请添加顾客的问法，然后重新训练");
        faqKey = a.key; faqVersion = a.version;
      }
      await loadFaq();
      await openFaq(faqKey);
    } catch (err) {
      if (err.code === "faq_edited_meanwhile") notice(err.message + "（页面已刷新为最新内容）", "error");
      else failed(err);
      if (err.code === "faq_edited_meanwhile") await openFaq(faqKey);
    }
  }
  async function deleteFaq() {
    if (!faqKey || !confirm("删除这个常见问题和它的全部问法？重新训练后机器人将不再回答它。")) return;
    try {
      await api("DELETE", "/api/admin/faq/" + faqKey);
      notice("已删除"); faqKey = null; $("faq-editor").hidden = true; await loadFaq();
    } catch (err) { failed(err); }
  }
  function exampleRow(e, { movable }) {
    const li = el("li", null, null, { "data-id": e.id });
    li.append(el("span", e.text, "text"));
    if (e.holdout) li.append(el("span", "评估用", "badge"));
    if (movable) {
      const move = el("select", null, null, { title: "移到其他意图" });
      move.append(el("option", "移到…", null, { value: "" }));
      for (const i of intents) if (i.name !== e.intent) move.append(el("option", i.label, null, { value: i.name }));
      move.onchange = async () => {
        if (!move.value) return;
        try { const r = await api("PATCH", "/api/admin/examples/" + e.id, { intent: move.value }); warnAll(r.warnings); notice("已移到“" + label(move.value) + "”"); li.remove(); }
        catch (err) { failed(err); move.value = ""; }
      };
      li.append(move);
    }
    const edit = el("button", "改", "small secondary");
    edit.onclick = async () => {
      const text = prompt("修改训练语句", e.text);
      if (!text || text === e.text) return;
      try { const r = await api("PATCH", "/api/admin/examples/" + e.id, { text }); warnAll(r.warnings); e.text = r.example.text; li.firstChild.textContent = e.text; }
      catch (err) { failed(err); }
    };
    const del = el("button", "删", "small danger");
    del.onclick = async () => {
      try { await api("DELETE", "/api/admin/examples/" + e.id); li.remove(); } catch (err) { failed(err); }
    };
    li.append(edit, del);
    return li;
  }
  async function loadFaqExamples() {
    const list = await api("GET", "/api/admin/examples?limit=1000&intent=" + encodeURIComponent("faq/" + faqKey));
    $("faq-examples").replaceChildren(...list.map((e) => exampleRow(e, { movable: false })));
  }
  async function addExample(intent, input, after) {
    const text = input.value.trim();
    if (!text) return;
    try {
      const r = await api("POST", "/api/admin/examples", { intent, text });
      warnAll(r.warnings); notice("已添加，重新训练后生效"); input.value = ""; await after();
    } catch (err) { failed(err); }
  }
  async function preview() {
    const text = $("preview-text").value.trim();
    if (!text) return;
    try {
      const p = await api("POST", "/api/admin/faq/preview", { text });
      const lines = ["识别为：" + p.intent_label + "（置信度 " + pct(p.confidence) + "）"];
      lines.push(p.answer ? "机器人会回答：" + p.answer : p.intent === "nlu_fallback" ? "机器人会请顾客换个说法" : "机器人会按“" + p.intent_label + "”的流程处理");
      if (p.ranking.length) lines.push("其他可能：" + p.ranking.slice(1, 4).map((r) => r.label + " " + pct(r.confidence)).join("，"));
      $("preview-result").textContent = lines.join("\n");
    } catch (err) { failed(err); }
  }

  // --- intents and examples ------------------------------------------------------
  async function loadIntents() {
    intents = await api("GET", "/api/admin/intents");
    $("intent-list").replaceChildren(...intents.filter((i) => !i.name.startsWith("faq/")).map((i) => {
      const li = el("li", null, i.name === intentName ? "selected" : "", { "data-intent": i.name });
      li.append(el("strong", i.label), el("small", i.examples + " 条 · " + i.name));
      for (const w of i.warnings) li.append(el("div", w, "warn"));
      li.onclick = () => openIntent(i.name);
      return li;
    }));
    if (!intentName && intents.length) openIntent(intents[0].name);
  }
  async function openIntent(name) {
    intentName = name;
    $("intent-heading").textContent = "训练语句：" + label(name);
    for (const li of $("intent-list").children) li.classList.toggle("selected", li.dataset.intent === name);
    await loadExamples();
  }
  async function loadExamples() {
    const q = $("example-search").value.trim();
    const list = await api("GET", "/api/admin/examples?limit=1000&intent=" + encodeURIComponent(intentName) + (q ? "&q=" + encodeURIComponent(q) : ""));
    $("examples").replaceChildren(...list.map((e) => exampleRow(e, { movable: true })));
  }

  // --- training and models --------------------------------------------------------
  function seconds(s) { s = Math.max(0, Math.round(s)); return s >= 60 ? Math.floor(s / 60) + " 分 " + (s % 60) + " 秒" : s + " 秒"; }
  function showJob(job) {
    const open = job && (job.state === "queued" || job.state === "running");
    $("job").hidden = !job;
    $("cancel").hidden = !open || me.role !== "admin";
    $("train").disabled = open;
    if (!job) return;
    $("job-bar").style.width = Math.round(job.progress * 100) + "%";
    const parts = ["任务 #" + job.id + " · " + STATE[job.state]];
    if (open) {
      parts.push((job.stage || "") + (job.detail ? "：" + job.detail : ""), Math.round(job.progress * 100) + "%");
      parts.push("已用 " + seconds(job.elapsed_seconds) + "，预计共 " + seconds(Math.max(job.estimate_seconds, job.elapsed_seconds)));
    } else {
      parts.push("用时 " + seconds(job.elapsed_seconds));
      if (job.error) parts.push(job.error);
    }
    $("job-text").textContent = parts.join(" · ");
  }
  async function loadModels() {
    const status = await api("GET", "/api/admin/training/status");
    const box = $("model-status");
    box.replaceChildren();
    if (status.active) box.append("线上模型：" + status.active.name + "（" + status.active.trained_by + "，" + time(status.active.trained_at) + "） ");
    box.append(status.out_of_date ? el("span", "训练数据已修改，模型需要重新训练", "badge stale") : el("span", "模型与训练数据一致", "badge"));
    showJob(status.job);
    const open = status.job && (status.job.state === "queued" || status.job.state === "running");
    if (open && !polling) polling = setInterval(pollJob, 1000);
    const versions = await api("GET", "/api/admin/training/models");
    const active = versions.find((v) => v.active);
    $("versions").replaceChildren(...versions.map((v) => {
      const tr = el("tr", null, null, { "data-version": v.name });
      const acc = el("td", pct(v.accuracy));
      const state = el("td");
      state.append(v.active ? el("span", "线上", "badge") : el("span", v.activated_at ? "曾上线" : "未上线", "muted"));
      const actions = el("td");
      if (v.accuracy !== null) { const b = el("button", "对比", "small secondary"); b.onclick = () => compare(v.id); actions.append(b, " "); }
      if (!v.active && me.role === "admin") {
        const earlier = active && v.id < active.id;
        const b = el("button", earlier ? "回滚到此版本" : "启用", "small", { "data-testid": "activate-" + v.name });
        b.onclick = () => activate(v, earlier ? "rollback" : "activate");
        actions.append(b);
      }
      tr.append(el("td", v.name), el("td", v.trained_by), el("td", time(v.trained_at)), el("td", "r" + v.revision), acc, state, actions);
      return tr;
    }));
  }
  async function pollJob() {
    try {
      const status = await api("GET", "/api/admin/training/status");
      showJob(status.job);
      if (!status.job || (status.job.state !== "queued" && status.job.state !== "running")) {
        clearInterval(polling); polling = null;
        if (status.job && status.job.state === "succeeded") notice("训练完成，请查看对比结果后决定是否启用");
        if (status.job && status.job.state === "failed") notice("训练失败：" + status.job.error, "error");
        await loadModels();
        if (status.job && status.job.model_version_id) compare(status.job.model_version_id);
      }
    } catch (err) { failed(err); }
  }
  async function train() {
    try {
      const job = await api("POST", "/api/admin/training/jobs");
      showJob(job);
      if (!polling) polling = setInterval(pollJob, 1000);
    } catch (err) { failed(err); }
  }
  async function cancelJob() {
    const status = await api("GET", "/api/admin/training/status");
    if (!status.job || !confirm("取消正在进行的训练？")) return;
    try { showJob(await api("POST", "/api/admin/training/jobs/" + status.job.id + "/cancel")); } catch (err) { failed(err); }
  }
  async function compare(id) {
    const v = await api("GET", "/api/admin/training/models/" + id);
    const e = v.evaluation || {};
    const box = $("comparison");
    box.hidden = false;
    box.replaceChildren(el("h2", v.name + " 与当时的线上模型对比"));
    const live = e.live || {};
    const delta = (a, b) => (a === undefined || b === undefined) ? "" : (a >= b ? "▲ " : "▼ ") + ((a - b) * 100).toFixed(1);
    box.append(el("p", "测试语句 " + (e.test_n || 0) + " 条，管理员标注的评估语句 " + (e.heldout_n || 0) + " 条", "muted"));
    const table = el("table");
    table.append(el("tr"));
    table.lastChild.append(el("th", ""), el("th", "新模型 " + v.name), el("th", "线上模型"), el("th", "变化"));
    for (const [name, key] of [["准确率", "accuracy"], ["各意图平均 F1", "macro_f1"]]) {
      const tr = el("tr");
      const d = delta((e.new || {})[key], live[key]);
      tr.append(el("td", name), el("td", pct((e.new || {})[key])), el("td", pct(live[key])), el("td", d, d.startsWith("▲") ? "up" : "down"));
      table.append(tr);
    }
    if (e.heldout_n) {
      const tr = el("tr");
      tr.append(el("td", "评估语句准确率"), el("td", pct(e.new_heldout_accuracy)), el("td", pct(e.live_heldout_accuracy)), el("td", ""));
      table.append(tr);
    }
    box.append(table);
    const f1New = (e.new || {}).per_intent_f1 || {}, f1Live = live.per_intent_f1 || {};
    const moved = Object.keys(f1New).filter((k) => f1Live[k] !== undefined && Math.abs(f1New[k] - f1Live[k]) >= 0.005);
    if (moved.length) {
      box.append(el("h3", "F1 有变化的意图"));
      const t = el("table");
      for (const k of moved) { const tr = el("tr"); tr.append(el("td", label(k)), el("td", pct(f1Live[k]) + " → " + pct(f1New[k]), f1New[k] >= f1Live[k] ? "up" : "down")); t.append(tr); }
      box.append(t);
    }
    const changed = e.changed || [];
    box.append(el("h3", "回答发生变化的语句（" + changed.length + "）"));
    const t = el("table", null, null, { "data-testid": "changed" });
    const head = el("tr"); head.append(el("th", "语句"), el("th", "正确意图"), el("th", "线上模型"), el("th", "新模型")); t.append(head);
    for (const c of changed.slice(0, 100)) {
      const tr = el("tr");
      tr.append(el("td", c.text), el("td", label(c.expected)), el("td", label(c.live), c.live === c.expected ? "up" : ""), el("td", label(c.new), c.new === c.expected ? "up" : "down"));
      t.append(tr);
    }
    box.append(t);
    box.scrollIntoView({ behavior: "smooth" });
  }
  async function activate(v, action) {
    const verb = action === "rollback" ? "回滚到" : "启用";
    if (!confirm(verb + " " + v.name + "？机器人会在几秒内切换，进行中的对话不受影响。")) return;
    let confirmLower = false;
    for (;;) {
      try {
        notice("正在加载 " + v.name + "…");
        const r = await api("POST", "/api/admin/training/models/" + v.id + "/" + action, { confirm: confirmLower });
        notice(v.name + " 已上线（加载用时 " + r.load_seconds + " 秒）");
        break;
      } catch (err) {
        if (err.code === "needs_confirmation" && !confirmLower && confirm(err.message + "。仍然启用吗？")) { confirmLower = true; continue; }
        if (err.code !== "needs_confirmation") failed(err);
        break;
      }
    }
    await loadModels();
  }

  // --- audit log ----------------------------------------------------------------
  function brief(value) { return value ? JSON.stringify(value, null, 1).slice(0, 600) : ""; }
  async function loadAudit() {
    const list = await api("GET", "/api/admin/audit?limit=50" + (auditBefore ? "&before_id=" + auditBefore : ""));
    for (const a of list) {
      const tr = el("tr");
      const before = el("td"); before.append(el("pre", brief(a.before)));
      const after = el("td"); after.append(el("pre", brief(a.after)));
      tr.append(el("td", time(a.at)), el("td", a.actor_name), el("td", a.entity_label + " " + a.entity_key), el("td", a.action_label), before, after);
      $("audit").append(tr);
      auditBefore = a.id;
    }
    $("audit-more").hidden = list.length < 50;
  }

  // --- start ------------------------------------------------------------------
  async function start() {
    try { me = await api("GET", "/api/agents/me"); } catch (err) { return; }
    if (me.role === "agent") { document.body.replaceChildren(el("p", "机器人训练台仅限主管和管理员使用。", "error")); return; }
    $("me").textContent = me.display_name + "（" + (me.role === "admin" ? "管理员" : "主管") + "）";
    if (me.role !== "admin") for (const n of document.querySelectorAll("[data-admin]")) n.hidden = true;
    intents = await api("GET", "/api/admin/intents");
    for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => show(b.dataset.tab);
    let timer = null;
    $("faq-search").oninput = () => { clearTimeout(timer); timer = setTimeout(loadFaq, 250); };
    $("faq-new").onclick = newFaq;
    $("faq-save").onclick = saveFaq;
    $("faq-delete").onclick = deleteFaq;
    $("faq-example-add").onclick = () => faqKey && addExample("faq/" + faqKey, $("faq-example"), loadFaqExamples);
    $("preview").onclick = preview;
    $("preview-text").onkeydown = (e) => { if (e.key === "Enter") preview(); };
    $("example-add").onclick = () => addExample(intentName, $("example-text"), async () => { await loadExamples(); intents = await api("GET", "/api/admin/intents"); });
    $("example-text").onkeydown = (e) => { if (e.key === "Enter") $("example-add").click(); };
    $("example-search").oninput = () => { clearTimeout(timer); timer = setTimeout(loadExamples, 250); };
    $("train").onclick = train;
    $("cancel").onclick = cancelJob;
    $("audit-more").onclick = loadAudit;
    const tab = (location.hash || "#faq").slice(1);
    show(["inbox", "faq", "examples", "models", "rules", "audit"].includes(tab) ? tab : "faq");
  }
  start();
})();
