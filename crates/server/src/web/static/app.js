// SafeCare dashboard: live updates over Server-Sent Events, and the few
// actions that change state (sent with the session's CSRF token).
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

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

  function formatTime(iso) {
    return iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC");
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

  function addAlert(alert) {
    const feed = document.getElementById("alert-feed");
    if (!feed) return;
    const ext = safecareData(alert);
    const row = document.createElement("tr");
    row.className = "fresh";
    const cells = [
      text("td", formatTime(alert.CreateTime || "")),
      document.createElement("td"),
      text("td", alert.Description || ""),
      text("td", locationPath(ext.location)),
    ];
    cells[1].appendChild(severityBadge(ext.severity || "info"));
    cells.forEach((c) => row.appendChild(c));
    row.dataset.alertId = alert.ID;
    feed.insertBefore(row, feed.firstChild);
    while (feed.children.length > 50) feed.removeChild(feed.lastChild);
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
    const svg = document.getElementById("rate");
    if (svg && Array.isArray(stats.rate)) {
      const w = Number(svg.dataset.width), h = Number(svg.dataset.height);
      const max = Math.max(1, ...stats.rate);
      const step = stats.rate.length > 1 ? w / (stats.rate.length - 1) : 0;
      const points = stats.rate.map((n, i) => (i * step).toFixed(1) + "," + (h - (n / max) * h).toFixed(1));
      svg.querySelector("polyline").setAttribute("points", points.join(" "));
      svg.setAttribute("aria-label", stats.rate.reduce((a, b) => a + b, 0) + " events in the last hour");
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
    report("Working…", false);
    return send(method, url, body)
      .then((response) => {
        if (response.ok) {
          report("Done; refreshing…", false);
          window.location.reload();
          return;
        }
        return response.json().catch(() => ({})).then((answer) => {
          report(answer.error || "Refused (" + response.status + ")", true);
          if (control) control.disabled = false;
        });
      })
      .catch(() => {
        report("SafeCare cannot be reached; try again.", true);
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
      if ("list" in field.dataset) {
        body[field.name] = field.value.split(/[\s,]+/).filter((item) => item !== "");
      } else {
        body[field.name] = field.value === "" && "emptyNull" in field.dataset ? null : field.value;
      }
    }
    callApi(form.dataset.method || "POST", form.dataset.url, body, form.querySelector("button[type=submit]"));
  });

  function incidentChanged(change) {
    const page = document.getElementById("incident");
    if (!page || !change.incident || change.incident.id !== page.dataset.incident) return;
    const typing = Array.from(page.querySelectorAll("form.api textarea, form.api input"))
      .some((field) => field.value.trim() !== "");
    if (!typing) {
      window.location.reload();
      return;
    }
    report("This incident changed (" + (change.action || "").replace(/_/g, " ") + " by " + change.actor +
      "); reload the page to see it.", false);
  }

  function minutesText(ms) {
    const total = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(total / 1440), h = Math.floor(total / 60) % 24, m = total % 60;
    const span = d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + m + " min" : m + " min";
    return ms < 0 ? "overdue by " + span : span + " left";
  }

  function tickClocks() {
    document.querySelectorAll("[data-due]").forEach((el) => {
      el.textContent = minutesText(Date.parse(el.dataset.due) - Date.now());
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

  window.SafeCare = { post, send, text, severityBadge };
  listen();
})();
