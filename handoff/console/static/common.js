// Helpers shared by every page of the desk (console, admin, workspace, reports):
// element creation and the desk's JSON API. Load before the page's own script.
(function () {
  "use strict";
  function el(tag, text, cls, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  async function api(method, url, body) {
    const res = await fetch(url, {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.status === 401 && url !== "/api/agents/login") desk.onUnauthorized();
    if (!res.ok) {
      const err = new Error((data && data.detail) || "请求失败（" + res.status + "）");
      err.code = data && data.code; err.status = res.status;
      throw err;
    }
    return data;
  }
  function time(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }
  function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
  // What a page does when the session is gone (the console shows its log-in form instead).
  function onUnauthorized() { location.href = "/console"; }
  const desk = window.desk = { el, api, time, pct, onUnauthorized };
})();
