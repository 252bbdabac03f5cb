// The shop rules form (店铺规则 tab of the admin workspace): policy.yml's values
// a shop changes, with Chinese labels and units. The desk validates every value
// (handoff/shop/policy.py) and answers what is wrong in Chinese.
(function () {
  "use strict";
  const { el, api, time } = window.desk;
  const DAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
  // [section, title, [[key, label, unit, step]]]
  const NUMBERS = [
    ["returns", "退货退款", [["no_reason_days", "无理由退货天数（签收起）", "天"], ["defect_claim_days", "质量问题受理天数", "天"],
      ["instant_refund_minutes", "未发货订单退款到账", "分钟"], ["pickup_within_hours", "快递上门取件时限", "小时"],
      ["refund_after_receipt_hours", "仓库收到退货后退款时限", "小时"], ["auto_approve_max_yuan", "免拍照自动退款上限", "元"],
      ["wrong_item_coupon_yuan", "错发漏发补偿券", "元"]]],
    ["shipping", "发货与物流", [["ship_within_hours", "付款后发货时限", "小时"], ["same_city_hours", "同城送达", "小时"],
      ["other_province_hours", "外省送达", "小时"], ["remote_hours", "偏远地区送达", "小时"], ["late_coupon_yuan", "发货延迟补偿券", "元"]]],
    ["points", "积分", [["per_yuan", "每消费 1 元得积分", "分"], ["daily_checkin", "每日签到", "分"],
      ["referral_first_order", "邀请好友首单", "分"], ["birthday_multiplier", "生日当月积分倍数", "倍"],
      ["points_per_yuan_off", "抵扣 1 元所需积分", "分"], ["max_share_of_order", "积分最多抵扣订单金额的比例", "（0–1）", "0.05"]]],
    ["sla", "人工响应时限（转人工后首次回复）", [["general_minutes", "一般会话", "分钟"], ["complaint_minutes", "投诉", "分钟"]]],
    ["escalation", "情绪激动自动转人工", [["very_negative_score", "一句话负面程度达到", "（0.5–1）", "0.05"],
      ["negative_in_a_row", "或连续负面消息", "条"]]],
    ["survey", "满意度问卷", [["idle_minutes", "机器人会话结束后等待", "分钟"], ["expire_hours", "问卷有效期", "小时"],
      ["follow_up_max_rating", "评分不高于此分时生成回访", "分"]]],
  ];
  let loaded = null;
  let rules = null;
  let canEdit = false;
  const $ = (id) => document.getElementById(id);

  function field(labelText, input, unit) {
    const box = el("div");
    const id = "r-" + Math.random().toString(36).slice(2, 8);
    input.id = id;
    box.append(el("label", labelText, null, { for: id }));
    const line = el("div", null, "inline");
    line.append(input);
    if (unit) line.append(el("span", unit, "unit"));
    box.append(line);
    return box;
  }
  function number(value, step, onChange) {
    const input = el("input", null, null, { type: "number", step: step || "1", inputmode: "decimal" });
    input.value = value;
    input.disabled = !canEdit;
    input.oninput = () => onChange(input.value === "" ? null : Number(input.value));
    return input;
  }
  function text(value, onChange, placeholder) {
    const input = el("input", null, null, { type: "text", placeholder: placeholder || "" });
    input.value = value;
    input.disabled = !canEdit;
    input.oninput = () => onChange(input.value);
    return input;
  }
  function checkbox(labelText, checked, onChange, testid) {
    const label = el("label");
    const box = el("input", null, null, { type: "checkbox" });
    if (testid) box.setAttribute("data-testid", testid);
    box.checked = checked; box.disabled = !canEdit;
    box.onchange = () => onChange(box.checked);
    label.append(box, document.createTextNode(labelText));
    return label;
  }
  function smallButton(label, onClick) {
    const b = el("button", label, "small secondary", { type: "button" });
    b.hidden = !canEdit; b.onclick = onClick;
    return b;
  }
  function fieldset(title, ...children) {
    const set = el("fieldset");
    set.append(el("legend", title), ...children);
    return set;
  }

  function numbersSection([section, title, fields]) {
    const grid = el("div", null, "fields");
    for (const [key, label, unit, step] of fields) {
      grid.append(field(label, number(rules[section][key], step, (v) => { rules[section][key] = v; }), unit));
    }
    return fieldset(title, grid);
  }
  function exclusions() {
    const table = el("table", null, "rows");
    const draw = () => {
      table.replaceChildren();
      for (const [key, label] of Object.entries(rules.returns.excluded_categories)) {
        const tr = el("tr");
        const name = el("td"); name.append(text(label, (v) => { rules.returns.excluded_categories[key] = v; }));
        const remove = el("td"); remove.append(smallButton("删除", () => { delete rules.returns.excluded_categories[key]; draw(); }));
        tr.append(el("td", key, "muted"), name, remove);
        table.append(tr);
      }
    };
    draw();
    const add = smallButton("添加品类", () => {
      const key = prompt("品类代码（小写字母、数字或下划线，与商品目录中的 return_exclusion 一致）");
      if (key) { rules.returns.excluded_categories[key.trim()] = "新品类"; draw(); }
    });
    return fieldset("不支持七天无理由退货的品类", table, add);
  }
  function reasons() {
    const grid = el("div", null, "fields");
    for (const key of Object.keys(rules.reasons)) {
      grid.append(field("退货原因 " + key, text(rules.reasons[key], (v) => { rules.reasons[key] = v; })));
    }
    return fieldset("退货原因（机器人提供的选项）", grid);
  }
  function shippingText() {
    const grid = el("div", null, "fields");
    grid.append(field("发货仓所在城市", text(rules.shipping.warehouse_city, (v) => { rules.shipping.warehouse_city = v; })));
    const regions = text(rules.shipping.remote_regions.join("、"), (v) => {
      rules.shipping.remote_regions = v.split(/[、,，\s]+/).map((x) => x.trim()).filter(Boolean);
    });
    const box = field("偏远地区（用顿号分隔）", regions);
    box.style.gridColumn = "1 / -1";
    grid.append(box);
    return fieldset("发货地与偏远地区", grid);
  }
  function tiers() {
    const table = el("table", null, "rows");
    const draw = () => {
      table.replaceChildren();
      const head = el("tr"); head.append(el("th", "等级名称"), el("th", "近 12 个月消费门槛（元）"), el("th", "权益（机器人原话介绍）"), el("th", "首次回复时限（分钟，可空）"), el("th", ""));
      table.append(head);
      rules.tiers.forEach((tier, i) => {
        const tr = el("tr");
        const cell = (node) => { const td = el("td"); td.append(node); return td; };
        tr.append(
          cell(text(tier.name, (v) => {
            if (rules.sla.tier_minutes[tier.name] !== undefined) { rules.sla.tier_minutes[v] = rules.sla.tier_minutes[tier.name]; delete rules.sla.tier_minutes[tier.name]; }
            tier.name = v;
          })),
          cell(number(tier.min_spend, "1", (v) => { tier.min_spend = v; })),
          cell(text(tier.benefits, (v) => { tier.benefits = v; })),
          cell(number(rules.sla.tier_minutes[tier.name] ?? "", "1", (v) => {
            if (v === null) delete rules.sla.tier_minutes[tier.name]; else rules.sla.tier_minutes[tier.name] = v;
          })),
          cell(smallButton("删除", () => { delete rules.sla.tier_minutes[tier.name]; rules.tiers.splice(i, 1); draw(); })),
        );
        table.append(tr);
      });
    };
    draw();
    const add = smallButton("添加等级", () => { rules.tiers.push({ name: "新等级", min_spend: 5000, benefits: "请填写权益" }); draw(); });
    return fieldset("会员等级（按门槛从低到高）", table, add);
  }
  function surveyAndEscalation() {
    const checks = el("div", null, "checks");
    for (const [key, label] of [["nps", "推荐意愿（NPS）"], ["ces", "解决难易度（CES）"]]) {
      checks.append(checkbox("问卷附加问题：" + label, rules.survey.extra_questions.includes(key), (on) => {
        rules.survey.extra_questions = rules.survey.extra_questions.filter((q) => q !== key);
        if (on) rules.survey.extra_questions.push(key);
      }));
    }
    checks.append(checkbox("带情绪的投诉也按“情绪激动”优先接待", rules.escalation.complaint_with_negative,
                           (on) => { rules.escalation.complaint_with_negative = on; }));
    return fieldset("问卷与投诉", checks);
  }
  function serviceHours() {
    const own = rules.service_hours !== null;
    const body = el("div");
    const draw = () => {
      body.replaceChildren();
      if (rules.service_hours === null) {
        body.append(el("p", "使用系统默认：" + loaded.default_business_hours + "，" +
          loaded.default_business_days.map((d) => DAYS[d - 1]).join("、"), "muted"));
        return;
      }
      const sh = rules.service_hours;
      body.append(field("每天服务时间（如 09:00-21:00）", text(sh.hours, (v) => { sh.hours = v.trim(); }, "09:00-21:00")));
      const days = el("div", null, "checks");
      DAYS.forEach((name, i) => days.append(checkbox(name, sh.days.includes(i + 1), (on) => {
        sh.days = sh.days.filter((d) => d !== i + 1); if (on) sh.days.push(i + 1); sh.days.sort();
      })));
      body.append(days);
    };
    const toggle = checkbox("单独设置人工服务时间", own, (on) => {
      rules.service_hours = on ? { hours: loaded.default_business_hours, days: [...loaded.default_business_days] } : null;
      draw();
    }, "rules-own-hours");
    draw();
    return fieldset("人工客服服务时间", toggle, body);
  }

  function render() {
    const form = $("rules-form");
    form.replaceChildren(
      numbersSection(NUMBERS[0]), exclusions(), reasons(), numbersSection(NUMBERS[1]), shippingText(),
      tiers(), numbersSection(NUMBERS[2]), numbersSection(NUMBERS[3]), serviceHours(),
      numbersSection(NUMBERS[4]), numbersSection(NUMBERS[5]), surveyAndEscalation(),
    );
    $("rules-meta").textContent = loaded.version ? "（第 " + loaded.version + " 版，" + loaded.updated_by + " 修改于 " + time(loaded.updated_at) + "）" : "（店铺初始规则）";
  }
  async function load(me, notice) {
    canEdit = me.role === "admin";
    loaded = await api("GET", "/api/admin/rules");
    rules = JSON.parse(JSON.stringify(loaded.rules));
    render();
    $("rules-save").onclick = () => save(notice);
    $("rules-reload").onclick = () => load(me, notice);
  }
  async function save(notice) {
    try {
      loaded = await api("PUT", "/api/admin/rules", { rules, version: loaded.version });
      rules = JSON.parse(JSON.stringify(loaded.rules));
      render();
      notice("店铺规则已保存并生效");
    } catch (err) {
      notice(err.message, "error");
    }
  }
  window.shopRules = { load };
})();
