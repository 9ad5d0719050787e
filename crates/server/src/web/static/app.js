// SafeCare dashboard: live updates over Server-Sent Events, and the few
// actions that change state (sent with the session's CSRF token).
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";
  // The page's words in the reader's language (web/script_text.rs); a
  // `{name}` in one is filled in here.
  const messages = JSON.parse(document.body.dataset.messages || "{}");
  function say(key, values) {
    const template = messages[key] || key;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
  }
  const zone = document.body.dataset.timeZone || "UTC";
  const lang = document.documentElement.lang || "en";

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
      credentials: "same-origin",
    });
  }

  function post(url, body) {
    return send("POST", url, body);
  }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function severityBadge(sev) {
    return text("span", sev, "sev sev-" + sev);
  }

  // In the reader's zone and their language's order, as the server writes times.
  function formatTime(iso) {
    const at = new Date(iso);
    if (isNaN(at.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(lang, {
        timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "short",
      }).format(at);
    } catch (e) {
      return iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC");
    }
  }

  function locationPath(loc) {
    if (!loc) return "";
    const parts = [];
    for (const level of ["site", "building", "floor", "zone", "room"]) {
      if (loc[level]) parts.push(loc[level]);
      else if (level === "zone" && loc.room) parts.push("_");
      else break;
    }
    return parts.join("/");
  }

  // SafeCare's own data on an IDMEFv2 alert: the JSON attachment named "safecare".
  function safecareData(alert) {
    const own = (alert.Attachment || []).find((a) => a.Name === "safecare");
    return (own && typeof own.Content === "object" && own.Content) || {};
  }

  // An alert's event time in the reader's zone (the page's
  // data-time-zone) and in the order the server writes it (Locale::time).
  function zonedTime(iso) {
    const zone = document.body.dataset.timeZone;
    const moment = new Date(iso);
    if (!zone || Number.isNaN(moment.getTime())) return formatTime(iso);
    try {
      const parts = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short",
      }).formatToParts(moment).forEach((p) => { parts[p.type] = p.value; });
      const lang = document.documentElement.lang;
      const [y, m, d] = [parts.year, parts.month, parts.day];
      const date = lang === "en" ? y + "-" + m + "-" + d : lang === "nl" ? d + "-" + m + "-" + y : d + "/" + m + "/" + y;
      return date + " " + parts.hour + ":" + parts.minute + ":" + parts.second + " " + parts.timeZoneName;
    } catch (e) {
      return formatTime(iso);
    }
  }

  // The guard's overview lists physical alerts apart: physical-domain
  // alerts and the threats the page names (fire, forced entry, ...).
  function isPhysical(alert, section) {
    const ext = safecareData(alert);
    const threats = (section.dataset.physicalThreats || "").split(" ");
    return (ext.domains || []).includes("physical") || threats.includes(ext.threat);
  }

  function addAlert(alert) {
    const physical = document.getElementById("physical-feed");
    const section = physical && physical.closest("[data-physical-threats]");
    const toPhysical = section && isPhysical(alert, section);
    const feed = toPhysical ? physical : document.getElementById("alert-feed");
    if (!feed) return;
    const ext = safecareData(alert);
    const row = document.createElement("tr");
    row.className = "fresh";
    const when = alert.StartTime || alert.CreateTime || "";
    const time = text("time", zonedTime(when));
    time.setAttribute("datetime", when);
    const link = text("a", alert.Description || "");
    link.href = "/alerts/" + encodeURIComponent(alert.ID);
    const cells = [
      document.createElement("td"),
      document.createElement("td"),
      document.createElement("td"),
      text("td", locationPath(ext.location)),
    ];
    cells[0].appendChild(time);
    cells[2].appendChild(link);
    cells[1].appendChild(severityBadge(ext.severity || "info"));
    cells.forEach((c) => row.appendChild(c));
    row.dataset.alertId = alert.ID;
    feed.insertBefore(row, feed.firstChild);
    while (feed.children.length > 50) feed.removeChild(feed.lastChild);
    const none = toPhysical && document.getElementById("physical-none");
    if (none) none.remove();
  }

  // The overview's sources panel, rebuilt from the stream's figures (times
  // and words already in the reader's language).
  function updateSources(sources) {
    const body = document.getElementById("sources-feed");
    if (!body || !Array.isArray(sources)) return;
    body.replaceChildren(...sources.map((s) => {
      const row = document.createElement("tr");
      if (s.silent) row.className = "bad";
      row.dataset.source = s.source;
      [s.source, String(s.events), s.last_event, s.state].forEach((v) => row.appendChild(text("td", v)));
      return row;
    }));
  }

  // Responder page: alerts from the incident's building join its live updates.
  function addBuildingAlert(alert) {
    const feed = document.getElementById("responder-feed");
    const page = document.getElementById("incident");
    const building = page && page.dataset.building;
    if (!feed || !building) return;
    const ext = safecareData(alert);
    const path = locationPath(ext.location);
    if (path !== building && !path.startsWith(building + "/")) return;
    const item = document.createElement("li");
    item.className = "fresh";
    item.appendChild(document.createTextNode(formatTime(alert.CreateTime || "") + " "));
    item.appendChild(severityBadge(ext.severity || "info"));
    item.appendChild(document.createTextNode(" " + (alert.Description || "") + " · " + path));
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > 50) feed.removeChild(feed.lastChild);
    const empty = document.getElementById("responder-feed-empty");
    if (empty) empty.remove();
  }

  function updateStats(stats) {
    const open = stats.open_incidents || {};
    document.querySelectorAll("#open-incidents [data-severity]").forEach((el) => {
      el.textContent = String(open[el.dataset.severity] || 0);
    });
    const total = document.querySelector("#open-total [data-total]");
    if (total && typeof stats.open_total === "number") total.textContent = String(stats.open_total);
    updateSources(stats.sources);
    const svg = document.getElementById("rate");
    if (svg && Array.isArray(stats.rate)) {
      const w = Number(svg.dataset.width), h = Number(svg.dataset.height);
      const max = Math.max(1, ...stats.rate);
      const step = stats.rate.length > 1 ? w / (stats.rate.length - 1) : 0;
      const points = stats.rate.map((n, i) => (i * step).toFixed(1) + "," + (h - (n / max) * h).toFixed(1));
      svg.querySelector("polyline").setAttribute("points", points.join(" "));
      svg.setAttribute("aria-label", say("eventsLastHour", { count: stats.rate.reduce((a, b) => a + b, 0) }));
    }
  }

  function listen() {
    if (!window.EventSource || !document.querySelector("[data-live]")) return;
    const source = new EventSource("/api/v1/stream");
    source.addEventListener("alert", (e) => {
      const alert = JSON.parse(e.data);
      addAlert(alert);
      addBuildingAlert(alert);
    });
    source.addEventListener("stats", (e) => updateStats(JSON.parse(e.data)));
    source.addEventListener("incident", (e) =>
      document.dispatchEvent(new CustomEvent("safecare:incident", { detail: JSON.parse(e.data) })));
  }

  // Incident page: every action is a call of the JSON API; on success the
  // page is reloaded to show the new state, on refusal the API's own
  // message is shown where screen readers announce it.
  function report(message, failed) {
    const status = document.getElementById("action-status");
    if (!status) return;
    status.textContent = message;
    status.className = failed ? "error" : "calm";
    status.setAttribute("role", failed ? "alert" : "status");
  }

  function callApi(method, url, body, control) {
    if (control) control.disabled = true;
    report(say("working"), false);
    return send(method, url, body)
      .then((response) => {
        if (response.ok) {
          report(say("done"), false);
          window.location.reload();
          return;
        }
        return response.json().catch(() => ({})).then((answer) => {
          report(answer.error || say("refused", { status: response.status }), true);
          if (control) control.disabled = false;
        });
      })
      .catch(() => {
        report(say("unreachable"), true);
        if (control) control.disabled = false;
      });
  }

  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.api");
    if (!form) return;
    e.preventDefault();
    const body = form.dataset.extra ? JSON.parse(form.dataset.extra) : {};
    for (const field of form.elements) {
      if (!field.name) continue;
      if ("checkedList" in field.dataset) {
        // Checkboxes sharing a name: the list of those ticked.
        if (!Array.isArray(body[field.name])) body[field.name] = [];
        if (field.checked) body[field.name].push(field.value);
      } else if ("list" in field.dataset) {
        body[field.name] = field.value.split(/[\s,]+/).filter((item) => item !== "");
      } else {
        body[field.name] = field.value === "" && "emptyNull" in field.dataset ? null : field.value;
      }
    }
    callApi(form.dataset.method || "POST", form.dataset.url, body, form.querySelector("button[type=submit]"));
  });

  // Alert and event pages: a re-identification request (the privacy API's
  // own route, audited there); its answer is shown in place, not reloaded away.
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.reveal");
    if (!form) return;
    e.preventDefault();
    const body = {};
    for (const field of form.elements) {
      if (!field.name) continue;
      body[field.name] = field.value === "" && "emptyNull" in field.dataset ? null : field.value;
    }
    const output = form.querySelector("output");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    post(form.dataset.url, body)
      .then((response) => response.json().catch(() => ({})).then((answer) => {
        output.textContent = response.ok ? answer.value : (answer.error || "Refused (" + response.status + ")");
        output.className = response.ok ? "revealed" : "revealed error";
      }))
      .catch(() => { output.textContent = "SafeCare cannot be reached; try again."; output.className = "revealed error"; })
      .finally(() => { button.disabled = false; });
  });

  function incidentChanged(change) {
    const page = document.getElementById("incident");
    if (!page || !change.incident || change.incident.id !== page.dataset.incident) return;
    // Only what the reader changed counts: the edit form shows the title.
    const typing = Array.from(page.querySelectorAll("form.api textarea, form.api input"))
      .some((field) => field.type === "checkbox" ? field.checked !== field.defaultChecked
        : field.value.trim() !== "" && field.value !== field.defaultValue);
    if (!typing) {
      window.location.reload();
      return;
    }
    report(say("incidentChanged", { action: (change.action || "").replace(/_/g, " "), actor: change.actor }), false);
  }

  function minutesText(ms) {
    const total = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(total / 1440), h = Math.floor(total / 60) % 24, m = total % 60;
    const span = d > 0 ? say("days", { d, h }) : h > 0 ? say("hours", { h, m }) : say("minutes", { m });
    return ms < 0 ? say("overdue", { span }) : say("left", { span });
  }

  function tickClocks() {
    document.querySelectorAll("[data-due]").forEach((el) => {
      const ms = Date.parse(el.dataset.due) - Date.now();
      // The page gives the reader's words with a {span} to fill in.
      const template = ms < 0 ? el.dataset.overdue : el.dataset.left;
      if (template) {
        el.textContent = template.replace("{span}", minutesText(ms).replace(/^overdue by | left$/g, ""));
      } else {
        el.textContent = minutesText(ms);
      }
    });
  }

  document.addEventListener("safecare:incident", (e) => incidentChanged(e.detail));
  if (document.querySelector("[data-due]")) window.setInterval(tickClocks, 30000);

  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "logout") {
      post("/api/v1/auth/logout").finally(() => { window.location.href = "/login"; });
    } else if (button.dataset.action === "api") {
      const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
      callApi(button.dataset.method || "POST", button.dataset.url, body, button);
    }
  });

  // Rule switches on the rules page: the answer is shown when refused
  // (for example a correlation still needs the rule), else the page reloads.
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.rule-switch");
    if (!form) return;
    e.preventDefault();
    const url = "/api/v1/rules/" + encodeURIComponent(form.dataset.rule);
    send("PUT", url, { enabled: form.dataset.enabled === "true" }).then((r) => {
      if (r.ok) { window.location.reload(); return; }
      r.json().then((body) => window.alert(body.error || r.statusText), () => window.alert(r.statusText));
    });
  });

  // Saved searches on the events page: saving shows a refusal inside its
  // form; both reload the page once done.
  document.addEventListener("submit", (e) => {
    const save = e.target.closest("form.search-save");
    const remove = e.target.closest("form.search-delete");
    if (!save && !remove) return;
    e.preventDefault();
    const request = save
      ? post("/api/v1/searches", { name: save.elements.name.value, query: save.dataset.query })
      : send("DELETE", "/api/v1/searches/" + encodeURIComponent(remove.dataset.name));
    request.then((r) => {
      if (r.ok) { window.location.reload(); return; }
      const show = (message) => {
        const error = save ? save.querySelector(".error") : null;
        if (!error) { window.alert(message); return; }
        error.textContent = message;
        error.hidden = false;
      };
      r.json().then((body) => show(body.error || r.statusText), () => show(r.statusText));
    });
  });

  window.SafeCare = { post, send, text, severityBadge };
  listen();
})();
