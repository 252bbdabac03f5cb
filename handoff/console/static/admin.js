// Agent accounts for admins: list, create, edit (skills, capacity, role, active, password).
(function () {
  "use strict";
  const ROLE = { agent: "客服", supervisor: "主管", admin: "管理员" };
  const PRESENCE = { online: "在线", away: "离开", offline: "离线" };
  let groups = [];
  let agents = [];

  const $ = (id) => document.getElementById(id);
  const { el, api } = window.desk;
  function say(text, ok) { const m = $("message"); m.textContent = text; m.className = ok ? "ok" : "error"; }

  function renderSkills(selected) {
    const box = $("skills");
    box.replaceChildren();
    for (const g of groups) {
      const label = el("label");
      const cb = document.createElement("input");
      cb.type = "checkbox"; cb.value = g.key; cb.checked = selected.includes(g.key);
      label.append(cb, document.createTextNode(g.name));
      box.append(label);
    }
  }
  function groupName(key) { const g = groups.find((x) => x.key === key); return g ? g.name : key; }

  function renderAgents() {
    const body = $("agents");
    body.replaceChildren();
    for (const a of agents) {
      const tr = el("tr");
      tr.append(el("td", a.username), el("td", a.display_name), el("td", ROLE[a.role] || a.role));
      const skills = el("td");
      a.skills.forEach((s) => skills.append(el("span", groupName(s), "badge")));
      tr.append(skills, el("td", a.active_count + " / " + a.capacity));
      tr.append(el("td", a.active ? PRESENCE[a.presence] : "已停用", a.active ? "presence-" + a.presence : "muted"));
      const td = el("td");
      const edit = el("button", "编辑", "secondary");
      edit.onclick = () => fill(a);
      td.append(edit);
      tr.append(td);
      body.append(tr);
    }
  }

  function fill(a) {
    $("form-title").textContent = a ? "编辑客服：" + a.display_name : "新建客服";
    $("agent-id").value = a ? a.id : "";
    $("username").value = a ? a.username : ""; $("username").disabled = !!a;
    $("display_name").value = a ? a.display_name : "";
    $("password").value = "";
    $("role").value = a ? a.role : "agent";
    $("capacity").value = a ? a.capacity : 5;
    $("active").checked = a ? a.active : true;
    renderSkills(a ? a.skills : groups.map((g) => g.key));
    say("", true);
  }

  async function load() {
    agents = await api("GET", "/api/agents");
    renderAgents();
  }

  $("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("agent-id").value;
    const body = {
      display_name: $("display_name").value.trim(),
      role: $("role").value,
      skills: Array.from($("skills").querySelectorAll("input:checked")).map((c) => c.value),
      capacity: Number($("capacity").value),
      active: $("active").checked,
    };
    const password = $("password").value;
    try {
      if (id) {
        if (password) body.password = password;
        await api("PATCH", "/api/agents/" + id, body);
        say("已保存", true);
      } else {
        delete body.active;
        await api("POST", "/api/agents", Object.assign(body, { username: $("username").value.trim(), password }));
        fill(null);
        say("已创建客服账号", true);
      }
      await load();
    } catch (err) { say(err.message, false); }
  });
  $("reset").onclick = () => fill(null);

  (async function start() {
    try {
      const me = await api("GET", "/api/agents/me");
      $("me").textContent = me.display_name + "（" + (ROLE[me.role] || me.role) + "）";
      if (me.role !== "admin") { say("只有管理员可以管理客服账号", false); $("form").querySelector("button").disabled = true; }
      groups = await api("GET", "/api/console/groups");
      fill(null);
      await load();
    } catch (err) { say(err.message, false); }
  })();
})();
