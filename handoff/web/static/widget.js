/*
 * Web chat widget of the customer-service desk: one embeddable script.
 *
 *   <script src="https://desk.example.com/widget.js"></script>
 *   <script>ShopChat.init({customerId: "C001", timestamp: 1767225600, signature: "<hex HMAC of 'C001:1767225600'>"})</script>
 *
 * or <script src=".../widget.js" data-auto-init data-customer-id="C001" data-timestamp="..." data-signature="..."></script>
 *
 * Talks to the desk over a WebSocket (HTTP polling when it cannot), keeps the
 * conversation across reloads (localStorage), resends unconfirmed messages by
 * client_id (the desk stores each once). Customer and agent text is only ever
 * put in the page with textContent. Protocol: docs/desk-api.md.
 */
(function () {
  "use strict";
  if (window.ShopChat && window.ShopChat.__loaded) return;

  var SCRIPT = document.currentScript;
  var DEFAULT_DESK = SCRIPT ? new URL(SCRIPT.src, location.href).origin : location.origin;
  var STORE = "shopchat:v1:";
  var MAX_CHARS = 2000;
  var MAX_FILE_BYTES = 10 * 1024 * 1024;  // the desk's max_upload_bytes (it checks again)
  var ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf";

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:-apple-system,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif}",
    ".launcher{position:fixed;right:24px;bottom:24px;width:60px;height:60px;border-radius:50%;border:0;background:#ff5000;color:#fff;font-size:17px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".launcher .dot{position:absolute;top:6px;right:6px;width:12px;height:12px;border-radius:50%;background:#16a34a;border:2px solid #fff;display:none}",
    ".launcher.unread .dot{display:block}",
    ".panel{position:fixed;right:24px;bottom:96px;width:380px;height:600px;max-height:calc(100vh - 120px);background:#f5f6f8;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none;flex-direction:column;overflow:hidden;z-index:2147483000;font-size:14px;color:#1f2937}",
    ".panel.open{display:flex}",
    ".head{background:linear-gradient(90deg,#ff7a00,#ff5000);color:#fff;padding:12px 16px;display:flex;align-items:center;gap:10px}",
    ".head .title{font-weight:600;font-size:16px;flex:1}",
    ".head .conn{font-size:12px;opacity:.9}",
    ".head button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}",
    ".status{display:none;padding:8px 14px;background:#fff7ed;color:#9a3412;font-size:13px;border-bottom:1px solid #fed7aa}",
    ".status.show{display:block}",
    ".status button{margin-left:8px;border:1px solid #fb923c;background:#fff;color:#c2410c;border-radius:12px;padding:1px 10px;font-size:12px;cursor:pointer}",
    ".list{flex:1;overflow-y:auto;padding:12px}",
    ".msg{display:flex;flex-direction:column;margin:8px 0;max-width:100%}",
    ".msg .who{font-size:12px;color:#6b7280;margin:0 4px 2px}",
    ".bubble{padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-break:break-word;line-height:1.55;max-width:82%}",
    ".msg.customer{align-items:flex-end}",
    ".msg.customer .bubble{background:#ff5000;color:#fff;border-bottom-right-radius:4px}",
    ".msg.customer.pending .bubble{opacity:.6}",
    ".msg.customer.failed .bubble{background:#fca5a5}",
    ".msg.bot .bubble,.msg.agent .bubble{background:#fff;border-bottom-left-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.06)}",
    ".msg.agent .bubble{border-left:3px solid #2563eb}",
    ".msg.system{align-items:center}",
    ".msg.system .bubble{background:transparent;color:#6b7280;font-size:12px;text-align:center;max-width:92%}",
    ".buttons{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 0}",
    ".buttons button{border:1px solid #ff5000;color:#ff5000;background:#fff;border-radius:14px;padding:3px 12px;font-size:13px;cursor:pointer}",
    ".buttons button:hover{background:#fff1e8}",
    ".typing{font-size:12px;color:#6b7280;padding:0 14px 6px;min-height:18px}",
    ".compose{display:flex;gap:8px;padding:10px;background:#fff;border-top:1px solid #e5e7eb;align-items:flex-end}",
    ".compose textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:8px;padding:8px;font-size:14px;height:40px;max-height:120px;outline:none}",
    ".compose textarea:focus{border-color:#ff5000}",
    ".compose button{background:#ff5000;color:#fff;border:0;border-radius:8px;padding:0 16px;height:40px;font-size:14px;cursor:pointer}",
    ".hint{font-size:12px;color:#dc2626;padding:0 12px 6px;background:#fff}",
    ".compose .attach{background:#fff;color:#6b7280;border:1px solid #d1d5db;padding:0;width:40px;font-size:20px}",
    ".panel.dragging .list{outline:2px dashed #ff5000;outline-offset:-6px;background:#fff7ed}",
    ".bubble.media{padding:4px;background:#fff !important;line-height:0}",
    ".bubble.media img{display:block;max-width:200px;max-height:240px;min-width:60px;min-height:40px;border-radius:8px;cursor:zoom-in;background:#e5e7eb}",
    ".cards{display:flex;flex-direction:column;gap:6px;margin:6px 0 0;max-width:88%}",
    ".card{display:flex;gap:10px;align-items:center;background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:8px;text-align:left;font:inherit;color:inherit}",
    ".card.pressable{cursor:pointer;border-color:#fdba74}",
    ".card.pressable:hover{background:#fff7ed}",
    ".card img{width:56px;height:56px;border-radius:8px;object-fit:cover;flex:none;background:#f3f4f6}",
    ".card .info{display:flex;flex-direction:column;min-width:0;line-height:1.4}",
    ".card .title{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".card .sub{font-size:12px;color:#6b7280;word-break:break-all}",
    ".card .price{color:#ff5000;font-weight:600;font-size:13px}",
    ".card .state{font-size:12px;color:#374151;margin-left:6px;font-weight:400}",
    ".viewer{position:absolute;inset:0;background:rgba(0,0,0,.85);display:flex;flex-direction:column;align-items:center;justify-content:center;z-index:5;cursor:zoom-out}",
    ".viewer img{max-width:100%;max-height:calc(100% - 40px);object-fit:contain}",
    ".viewer-hint{color:#e5e7eb;font-size:12px;margin-top:8px}",
    ".bubble.media .file{display:block;line-height:1.5;padding:8px 10px;color:#1f2937;cursor:pointer;text-decoration:underline}",
    ".ticket{display:none;padding:10px 12px;background:#fff;border-top:1px solid #e5e7eb}",
    ".ticket.show{display:block}",
    ".ticket textarea,.ticket input{width:100%;border:1px solid #d1d5db;border-radius:6px;padding:6px;margin:4px 0;font-size:13px}",
    ".ticket button{background:#ff5000;color:#fff;border:0;border-radius:6px;padding:4px 14px;cursor:pointer;margin-right:6px}",
    ".ticket button.cancel{background:#e5e7eb;color:#1f2937}",
    // A phone: the panel fills the screen (anchored on all four sides, so a page wider than the screen
    // cannot push it off), and the input is 16px (iOS zooms into smaller inputs).
    "@media (max-width:480px){.panel{top:0;left:0;right:0;bottom:0;width:auto;height:auto;max-height:none;border-radius:0}"
      + ".panel.open~.launcher{display:none}.launcher{right:16px;bottom:16px}"
      + ".compose textarea,.ticket textarea,.ticket input{font-size:16px}.head button{font-size:24px;padding:0 4px}}",
  ].join("\n");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function Chat(options) {
    this.desk = (options.deskUrl || DEFAULT_DESK).replace(/\/$/, "");
    this.customerId = options.customerId || null;
    this.signature = options.signature || null;
    this.timestamp = options.timestamp || null;  // when the shop signed the id (unix seconds)
    this.title = options.title || "在线客服";
    this.key = STORE + this.desk + ":" + (this.customerId || "guest");
    this.shown = {};        // message id -> true
    this.pending = {};      // client_id -> {text, payload, node}
    this.lastSeq = 0;
    this.ws = null;
    this.wsFailures = 0;
    this.polling = null;
    this.closed = false;
    this.status = null;
    this.build();
    this.start();
  }

  Chat.prototype.build = function () {
    var self = this;
    this.host = el("div");
    this.host.setAttribute("data-shopchat", "");
    document.body.appendChild(this.host);
    var root = this.host.attachShadow({ mode: "open" });
    root.appendChild(el("style", null, CSS));

    this.launcher = el("button", "launcher", "客服");
    this.launcher.setAttribute("aria-label", "打开在线客服");
    this.launcher.setAttribute("data-testid", "chat-launcher");
    this.launcher.appendChild(el("span", "dot"));
    this.launcher.onclick = function () { self.toggle(); };

    this.panel = el("div", "panel");
    this.panel.setAttribute("data-testid", "chat-panel");
    var head = el("div", "head");
    head.appendChild(el("span", "title", this.title));
    this.conn = el("span", "conn", "连接中…");
    head.appendChild(this.conn);
    var close = el("button", null, "×");
    close.setAttribute("aria-label", "收起");
    close.setAttribute("data-testid", "chat-close");
    close.onclick = function () { self.toggle(false); };
    head.appendChild(close);

    this.statusBar = el("div", "status");
    this.statusBar.setAttribute("data-testid", "chat-status");
    this.list = el("div", "list");
    this.list.setAttribute("role", "log");
    this.typingBar = el("div", "typing");
    this.typingBar.setAttribute("data-testid", "chat-typing");

    this.ticket = el("div", "ticket");
    this.ticket.appendChild(el("div", null, "请留下您的问题，客服上线后会尽快联系您："));
    this.ticketText = el("textarea");
    this.ticketText.rows = 3;
    this.ticketText.setAttribute("data-testid", "ticket-text");
    this.ticketText.maxLength = MAX_CHARS;
    this.ticketContact = el("input");
    this.ticketContact.placeholder = "手机号（选填）";
    this.ticketContact.maxLength = 64;
    this.ticketContact.setAttribute("data-testid", "ticket-contact");
    var submit = el("button", null, "提交留言");
    submit.setAttribute("data-testid", "ticket-submit");
    submit.onclick = function () { self.leaveMessage(); };
    var cancel = el("button", "cancel", "取消");
    cancel.onclick = function () { self.ticket.classList.remove("show"); };
    this.ticket.appendChild(this.ticketText);
    this.ticket.appendChild(this.ticketContact);
    this.ticket.appendChild(submit);
    this.ticket.appendChild(cancel);

    this.hint = el("div", "hint");
    this.hint.setAttribute("data-testid", "chat-hint");
    var compose = el("div", "compose");
    this.input = el("textarea");
    this.input.placeholder = "请输入您的问题，Enter 发送";
    this.input.maxLength = MAX_CHARS;
    this.input.setAttribute("data-testid", "chat-input");
    this.input.onkeydown = function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.sendInput(); }
    };
    this.input.oninput = function () { self.onTyping(); };
    var send = el("button", null, "发送");
    send.setAttribute("data-testid", "chat-send");
    send.onclick = function () { self.sendInput(); };
    // Photos and PDFs: the picker (on a phone it also offers the camera), paste, or drop on the chat.
    this.picker = el("input");
    this.picker.type = "file";
    this.picker.accept = ACCEPT;
    this.picker.multiple = true;
    this.picker.style.display = "none";
    this.picker.setAttribute("data-testid", "chat-file");
    this.picker.onchange = function () { self.sendFiles(self.picker.files); self.picker.value = ""; };
    var attach = el("button", "attach", "📎");
    attach.title = "发送图片或文件";
    attach.setAttribute("aria-label", "发送图片或文件");
    attach.setAttribute("data-testid", "chat-attach");
    attach.onclick = function () { self.picker.click(); };
    this.input.onpaste = function (e) {
      var files = e.clipboardData && e.clipboardData.files;
      if (files && files.length) { e.preventDefault(); self.sendFiles(files); }
    };
    this.panel.ondragover = function (e) { e.preventDefault(); self.panel.classList.add("dragging"); };
    this.panel.ondragleave = function (e) { if (e.target === self.list) self.panel.classList.remove("dragging"); };
    this.panel.ondrop = function (e) {
      e.preventDefault();
      self.panel.classList.remove("dragging");
      if (e.dataTransfer && e.dataTransfer.files.length) self.sendFiles(e.dataTransfer.files);
    };
    compose.appendChild(attach);
    compose.appendChild(this.picker);
    compose.appendChild(this.input);
    compose.appendChild(send);

    [head, this.statusBar, this.list, this.typingBar, this.ticket, this.hint, compose].forEach(function (n) {
      self.panel.appendChild(n);
    });
    root.appendChild(this.panel);
    root.appendChild(this.launcher);
  };

  Chat.prototype.toggle = function (open) {
    var show = open === undefined ? !this.panel.classList.contains("open") : open;
    this.panel.classList.toggle("open", show);
    if (show) {
      this.launcher.classList.remove("unread");
      this.scroll();
      this.input.focus();
    }
  };

  // --- conversation --------------------------------------------------------

  Chat.prototype.api = function (method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (this.token) headers["X-Chat-Token"] = this.token;
    return fetch(this.desk + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) { var err = new Error(data.detail || "网络异常，请稍后重试"); err.status = res.status; throw err; }
          return data;
        });
      });
  };

  Chat.prototype.start = function () {
    var self = this;
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(this.key) || "null"); } catch (e) { saved = null; }
    var ready = saved && saved.id && saved.token
      ? (this.id = saved.id, this.token = saved.token,
         this.api("GET", "/api/chat/conversations/" + this.id).then(function (conv) {
           return self.api("GET", "/api/chat/conversations/" + self.id + "/messages?after=0").then(function (msgs) {
             msgs.forEach(function (m) { self.show(m); });
             self.setStatus(conv.status);
           });
         }).catch(function (err) {
           if (err.status === 403 || err.status === 404) return self.open();
           throw err;
         }))
      : this.open();
    ready.then(function () { self.connect(); }).catch(function (err) {
      self.setConn("连接失败，正在重试…");
      self.hint.textContent = err.message;
      setTimeout(function () { self.start(); }, 3000);
    });
  };

  Chat.prototype.open = function () {
    var self = this;
    this.token = null;
    return this.api("POST", "/api/chat/conversations", {
      customer_id: this.customerId, signature: this.signature, timestamp: this.timestamp, channel: "web",
    }).then(function (conv) {
      self.id = conv.id;
      self.token = conv.token;
      try { localStorage.setItem(self.key, JSON.stringify({ id: conv.id, token: conv.token })); } catch (e) { /* private mode */ }
      conv.messages.forEach(function (m) { self.show(m); });
    });
  };

  // --- transport -----------------------------------------------------------

  Chat.prototype.setConn = function (text) { this.conn.textContent = text; };

  Chat.prototype.connect = function () {
    var self = this;
    if (this.closed) return;
    var url = this.desk.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(this.id) +
      "?token=" + encodeURIComponent(this.token) + "&after=" + this.lastSeq;
    var ws;
    try { ws = new WebSocket(url); } catch (e) { return this.onSocketFailure(); }
    this.ws = ws;
    var opened = false;
    ws.onopen = function () {
      opened = true;
      self.wsFailures = 0;
      self.stopPolling();
      self.setConn("在线");
      self.resendPending();
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.onFrame(frame);
    };
    ws.onclose = function (event) {
      if (self.ws === ws) self.ws = null;
      if (event.code === 4403 || event.code === 4404) {  // the conversation is gone: start a new one
        try { localStorage.removeItem(self.key); } catch (e) { /* ignore */ }
        return self.open().then(function () { self.connect(); });
      }
      if (!opened) self.wsFailures += 1;
      self.onSocketFailure();
    };
  };

  Chat.prototype.onSocketFailure = function () {
    var self = this;
    this.setConn("已断开，正在重连…");
    if (this.wsFailures >= 3) this.startPolling();
    var delay = Math.min(15000, 1000 * Math.pow(2, Math.min(this.wsFailures, 4)));
    setTimeout(function () { self.connect(); }, this.polling ? Math.max(delay, 15000) : delay);
  };

  Chat.prototype.startPolling = function () {
    var self = this;
    if (this.polling) return;
    this.setConn("在线（兼容模式）");
    var tick = function () {
      self.api("GET", "/api/chat/conversations/" + self.id + "/messages?after=" + self.lastSeq)
        .then(function (msgs) { msgs.forEach(function (m) { self.show(m); }); })
        .then(function () { return self.api("GET", "/api/chat/conversations/" + self.id + "/status"); })
        .then(function (status) { self.setStatus(status); })
        .catch(function () { self.setConn("网络异常，正在重试…"); });
    };
    tick();
    this.polling = setInterval(tick, 2000);
    this.resendPending();
  };

  Chat.prototype.stopPolling = function () {
    if (this.polling) { clearInterval(this.polling); this.polling = null; }
  };

  Chat.prototype.onFrame = function (frame) {
    if (frame.type === "message") this.show(frame.message);
    else if (frame.type === "status") this.setStatus(frame.status);
    else if (frame.type === "typing") this.showTyping(frame.role === "agent" ? "客服正在输入…" : "智能助手正在输入…");
    else if (frame.type === "error") {
      this.hint.textContent = frame.detail || "发送失败";
      if (frame.client_id && this.pending[frame.client_id]) {
        this.pending[frame.client_id].node.classList.add("failed");
        delete this.pending[frame.client_id];
      }
    }
  };

  // --- sending -------------------------------------------------------------

  Chat.prototype.sendInput = function () {
    var text = this.input.value;
    if (!text.trim()) return;
    if (text.length > MAX_CHARS) { this.hint.textContent = "消息太长：最多 " + MAX_CHARS + " 个字"; return; }
    this.input.value = "";
    this.send(text, null);
  };

  Chat.prototype.send = function (text, payload) {
    this.hint.textContent = "";
    var clientId = uuid();
    var node = this.bubble({ role: "customer", text: text });
    node.classList.add("pending");
    this.pending[clientId] = { text: text, payload: payload, node: node };
    // With an agent the bot is paused: the agent's own typing shows when they type.
    if (!this.status || this.status.state !== "with_agent") this.showTyping("智能助手正在输入…");
    this.transmit(clientId);
  };

  Chat.prototype.transmit = function (clientId) {
    var self = this;
    var item = this.pending[clientId];
    if (!item || item.file) return;
    var body = { type: "message", text: item.text, client_id: clientId };
    if (item.payload) body.payload = item.payload;
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify(body));
    } else if (this.polling) {
      delete body.type;
      this.api("POST", "/api/chat/conversations/" + this.id + "/messages", body).then(function (res) {
        self.show(res.message);
        res.replies.forEach(function (m) { self.show(m); });
      }).catch(function (err) {
        if (err.status === 422) {
          self.hint.textContent = err.message;
          item.node.classList.add("failed");
          delete self.pending[clientId];
        }
      });
    }  // else: sent by resendPending() once connected
  };

  Chat.prototype.sendFiles = function (files) {
    for (var i = 0; i < files.length; i++) this.sendFile(files[i]);
  };

  // A photo or a PDF: shown at once (from the file itself), sent over HTTP as the request's body; the
  // desk checks it by its content and answers with the stored message (and, without an agent, a reply).
  Chat.prototype.sendFile = function (file) {
    var self = this;
    this.hint.textContent = "";
    if (file.size > MAX_FILE_BYTES) { this.hint.textContent = "文件太大：最多 10 MB"; return; }
    var clientId = uuid();
    var image = /^image\//.test(file.type);
    var node = this.bubble({ role: "customer", text: image ? "[图片]" : "[文件] " + file.name,
                             attachment: { kind: image ? "image" : "pdf", name: file.name, local: file } });
    node.classList.add("pending");
    this.pending[clientId] = { node: node, file: true };
    fetch(this.desk + "/api/chat/conversations/" + this.id + "/attachments", {
      method: "POST", body: file,
      headers: { "X-Chat-Token": this.token, "X-File-Name": encodeURIComponent(file.name || ""),
                 "X-Client-Id": clientId, "Content-Type": "application/octet-stream" },
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data.detail || "发送失败，请稍后重试");
        self.show(data.message);
        data.replies.forEach(function (m) { self.show(m); });
      });
    }).catch(function (err) {  // nothing was stored: the bubble goes, the reason stays
      self.hint.textContent = err instanceof TypeError ? "网络异常，" + (image ? "图片" : "文件") + "没有发出，请重试" : err.message;
      node.remove();
      delete self.pending[clientId];
    });
  };

  // The bytes of a photo or file of this conversation: only with the conversation's token.
  Chat.prototype.fileUrl = function (attachment, size) {
    if (attachment.local) return Promise.resolve(URL.createObjectURL(attachment.local));
    var url = this.desk + "/api/chat/conversations/" + this.id + "/attachments/" + encodeURIComponent(attachment.id) +
      (size ? "?size=" + size : "");
    return fetch(url, { headers: { "X-Chat-Token": this.token } }).then(function (res) {
      if (!res.ok) throw new Error("文件无法打开");
      return res.blob();
    }).then(function (blob) { return URL.createObjectURL(blob); });
  };

  Chat.prototype.attachmentNode = function (attachment) {
    var self = this;
    var box = el("div", "bubble media");
    if (attachment.kind === "image") {
      var img = el("img");
      img.alt = "图片";
      img.setAttribute("data-testid", "chat-image");
      this.fileUrl(attachment, "thumb").then(function (url) { img.src = url; }).catch(function () { img.alt = "图片无法显示"; });
      img.onclick = function () { self.viewImage(attachment); };
      box.appendChild(img);
    } else {
      var link = el("span", "file", "📄 " + attachment.name);
      link.onclick = function () {
        self.fileUrl(attachment).then(function (url) {
          var a = el("a");
          a.href = url;
          a.download = attachment.name;
          a.click();
        });
      };
      box.appendChild(link);
    }
    return box;
  };

  // The whole photo over the chat; a tap closes it.
  Chat.prototype.viewImage = function (attachment) {
    var self = this;
    var overlay = el("div", "viewer");
    overlay.setAttribute("data-testid", "chat-viewer");
    var img = el("img");
    img.alt = "图片";
    overlay.appendChild(img);
    overlay.appendChild(el("div", "viewer-hint", "点击任意处关闭"));
    overlay.onclick = function () { overlay.remove(); };
    this.panel.appendChild(overlay);
    this.fileUrl(attachment).then(function (url) { img.src = url; })
      .catch(function (err) { overlay.remove(); self.hint.textContent = err.message; });
  };

  Chat.prototype.resendPending = function () {
    var self = this;
    Object.keys(this.pending).forEach(function (id) { self.transmit(id); });
  };

  Chat.prototype.onTyping = function () {
    var now = Date.now();
    if (this.ws && this.ws.readyState === 1 && (!this.lastTyping || now - this.lastTyping > 2000)) {
      this.lastTyping = now;
      this.ws.send(JSON.stringify({ type: "typing" }));
    }
  };

  // --- rendering -----------------------------------------------------------

  Chat.prototype.who = function (m) {
    if (m.role === "bot") return "智能助手";
    if (m.role === "agent") return "客服" + (m.agent_name ? " · " + m.agent_name : "");
    return null;
  };

  Chat.prototype.bubble = function (m) {
    var row = el("div", "msg " + m.role);
    row.setAttribute("data-testid", "chat-message");
    row.setAttribute("data-role", m.role);
    var who = this.who(m);
    if (who) row.appendChild(el("div", "who", who));
    row.appendChild(m.attachment ? this.attachmentNode(m.attachment) : el("div", "bubble", m.text));
    this.list.appendChild(row);
    this.scroll();
    return row;
  };

  Chat.prototype.show = function (m) {
    var self = this;
    if (!m || this.shown[m.id]) return;
    this.shown[m.id] = true;
    if (m.seq > this.lastSeq) this.lastSeq = m.seq;
    var node;
    if (m.role === "customer" && m.client_id && this.pending[m.client_id]) {
      node = this.pending[m.client_id].node;  // our own message, now confirmed
      node.classList.remove("pending");
      delete this.pending[m.client_id];
    } else {
      node = this.bubble(m);
    }
    node.setAttribute("data-seq", m.seq);
    if (m.role !== "customer") this.showTyping("");
    var old = this.list.querySelectorAll(".buttons");
    for (var i = 0; i < old.length; i++) old[i].remove();  // only the latest buttons can be pressed
    var pressable = this.list.querySelectorAll(".card.pressable");
    for (var j = 0; j < pressable.length; j++) { pressable[j].classList.remove("pressable"); pressable[j].onclick = null; }
    var carded = {};
    if (m.cards && m.cards.length) {
      var deck = el("div", "cards");
      m.cards.forEach(function (c) {
        if (c.payload) carded[c.payload] = true;
        deck.appendChild(self.card(c));
      });
      node.appendChild(deck);
    }
    var buttons = (m.buttons || []).filter(function (b) { return !carded[b.payload]; });  // a card is its button
    if (buttons.length) {
      var box = el("div", "buttons");
      buttons.forEach(function (b) {
        var button = el("button", null, b.title);
        button.setAttribute("data-testid", "chat-button");
        button.onclick = function () { self.send(b.title, b.payload); };
        box.appendChild(button);
      });
      node.appendChild(box);
    }
    if (!this.panel.classList.contains("open") && m.role !== "customer") this.launcher.classList.add("unread");
    this.scroll();
  };

  // An order or a product: picture, name, price, status and the full order number. An order the bot
  // offers as a choice is pressed like its button.
  Chat.prototype.card = function (c) {
    var self = this;
    var card = el(c.payload ? "button" : "div", "card" + (c.payload ? " pressable" : ""));
    card.setAttribute("data-testid", "chat-card");
    card.setAttribute("data-kind", c.kind);
    var img = el("img");
    img.alt = "";  // the title beside it says what it is
    img.src = /^\//.test(c.image) ? this.desk + c.image : c.image;
    var info = el("div", "info");
    info.appendChild(el("span", "title", c.title));
    if (c.subtitle) info.appendChild(el("span", "sub", c.subtitle));
    var price = el("span", "price", c.price);
    price.appendChild(el("span", "state", c.status));
    info.appendChild(price);
    card.appendChild(img);
    card.appendChild(info);
    if (c.payload) card.onclick = function () { self.send(c.action || c.title, c.payload); };
    return card;
  };

  Chat.prototype.showTyping = function (text) {
    var self = this;
    this.typingBar.textContent = text;
    clearTimeout(this.typingTimer);
    if (text) this.typingTimer = setTimeout(function () { self.typingBar.textContent = ""; }, text.indexOf("客服") === 0 ? 3000 : 8000);
  };

  Chat.prototype.setStatus = function (status) {
    var self = this;
    this.status = status;
    var bar = this.statusBar;
    bar.replaceChildren();
    var text = "";
    if (status.state === "queued" && status.queue) {
      var q = status.queue;
      // As queue/wording.py words it: never a wait estimate when nobody is online.
      var ahead = q.position <= 1 ? "您是下一位" : "您前面还有 " + (q.position - 1) + " 位";
      if (!q.open_now) text = "现在是非工作时间，人工客服暂时无法接入";
      else if (!q.agents_online) text = "正在为您转接人工客服（" + q.group_name + "），目前暂无客服在线，您可以稍候或留言";
      else text = "正在为您转接人工客服（" + q.group_name + "），" + ahead + "，预计等待约 " + Math.max(1, Math.round(q.eta_seconds / 60)) + " 分钟";
    } else if (status.state === "with_agent" && status.agent) {
      text = "客服 " + status.agent.name + " 正在为您服务";
    } else if (status.offer_ticket) {
      text = "现在是非工作时间，人工客服暂时无法接入";
    }
    bar.appendChild(document.createTextNode(text));
    if (status.offer_ticket) {
      var leave = el("button", null, "留言");
      leave.onclick = function () { self.ticket.classList.add("show"); self.ticketText.focus(); };
      bar.appendChild(leave);
    }
    bar.classList.toggle("show", !!text);
  };

  Chat.prototype.leaveMessage = function () {
    var self = this;
    var text = this.ticketText.value;
    if (!text.trim()) { this.hint.textContent = "请填写留言内容"; return; }
    this.api("POST", "/api/chat/conversations/" + this.id + "/tickets", { text: text, contact: this.ticketContact.value })
      .then(function (left) {  // the confirmation is in the conversation: it stays after a reload
        self.ticket.classList.remove("show");
        self.ticketText.value = "";
        self.show(left.message);
      })
      .catch(function (err) { self.hint.textContent = err.message; });
  };

  Chat.prototype.scroll = function () { this.list.scrollTop = this.list.scrollHeight; };

  Chat.prototype.destroy = function () {
    this.closed = true;
    this.stopPolling();
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
    this.host.remove();
  };

  var current = null;
  window.ShopChat = {
    __loaded: true,
    /** Start (or restart, e.g. after the shopper logs in) the chat widget. */
    init: function (options) {
      if (current) current.destroy();
      var start = function () { current = new Chat(options || {}); };
      if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
      return window.ShopChat;
    },
    open: function () { if (current) current.toggle(true); },
  };

  if (SCRIPT && SCRIPT.hasAttribute("data-auto-init")) {
    window.ShopChat.init({
      customerId: SCRIPT.getAttribute("data-customer-id") || null,
      signature: SCRIPT.getAttribute("data-signature") || null,
      timestamp: Number(SCRIPT.getAttribute("data-timestamp")) || null,
    });
  }
})();
