/* detente web app: the editor (line numbers, validation at the line, save, run + progress)
   and the "new scenario" form. Plain JavaScript; everything goes through the JSON API. */
"use strict";

async function api(method, url, body) {
  const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(url, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = { error: resp.statusText }; }
  return { ok: resp.ok, status: resp.status, data };
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function setupEditor(page) {
  const name = page.dataset.name;
  let sha = page.dataset.sha;
  const text = document.getElementById("text");
  const gutter = document.getElementById("gutter");
  const marks = document.getElementById("marks");
  const list = document.getElementById("problems");
  const status = document.getElementById("status");
  const dirty = document.getElementById("dirty");
  const draftBtn = document.getElementById("save-draft");
  let saved = text.value;
  let badLines = new Map();
  let timer = null;
  let seq = 0;

  for (const li of list.querySelectorAll("li.problem")) {
    const n = parseInt(li.dataset.line, 10);
    if (n) badLines.set(n, (badLines.get(n) || []).concat([li.textContent]));
    li.addEventListener("click", () => goToLine(n));
  }

  let shownLines = -1;
  let shownMarks = null;
  let frame = 0;

  function scheduleGutter() {  // at most once per frame, however fast the text changes
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; renderGutter(); });
  }

  function renderGutter() {
    let n = 1;
    for (let i = text.value.indexOf("\n"); i !== -1; i = text.value.indexOf("\n", i + 1)) n++;
    if (n === shownLines && shownMarks === badLines) { syncScroll(); return; }
    shownLines = n;
    shownMarks = badLines;
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= n; i++) {
      const d = el("div", { "data-line": String(i) }, String(i));
      if (badLines.has(i)) { d.className = "bad"; d.title = badLines.get(i).join("\n"); }
      frag.appendChild(d);
    }
    gutter.replaceChildren(frag);
    const bands = document.createDocumentFragment();
    for (const line of badLines.keys()) {  // the problem lines, highlighted in the text too
      if (line > n) continue;
      const band = el("div", { "data-line": String(line) });
      band.style.top = (6 + (line - 1) * 18) + "px";  // CSSOM: allowed by the page's CSP
      bands.appendChild(band);
    }
    marks.replaceChildren(bands);
    syncScroll();
  }

  function syncScroll() {
    gutter.scrollTop = text.scrollTop;
    marks.style.transform = "translateY(" + (-text.scrollTop) + "px)";
  }

  function goToLine(n) {
    if (!n) return;
    const lines = text.value.split("\n");
    let start = 0;
    for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
    text.focus();
    text.setSelectionRange(start, start + (lines[n - 1] || "").length);
    text.scrollTop = Math.max(0, (n - 5) * 18);
  }

  function showProblems(problems, summary, valid) {
    badLines = new Map();
    list.replaceChildren();
    for (const p of problems) {
      const li = el("li", { "class": "problem", "data-line": p.line || "" });
      let where = p.line ? "line " + p.line + (p.column ? ", column " + p.column : "") : "file";
      li.appendChild(el("span", { "class": "where" }, where));
      if (p.path) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("code", {}, p.path)); }
      li.appendChild(document.createTextNode(": " + p.message));
      if (p.hint) li.appendChild(el("div", { "class": "hint" }, "hint: " + p.hint));
      li.addEventListener("click", () => goToLine(p.line));
      list.appendChild(li);
      if (p.line) badLines.set(p.line, (badLines.get(p.line) || []).concat([where + ": " + p.message]));
    }
    if (valid) {
      status.className = "ok";
      status.textContent = summary ? "valid — " + summary.actors + " actors, " + summary.issues +
        " issues, " + summary.tables + " tables, " + summary.questions + " questions" : "valid";
    } else {
      status.className = "bad";
      status.textContent = problems.length + (problems.length === 1 ? " problem" : " problems");
    }
    renderGutter();
  }

  function markDirty() {
    dirty.hidden = text.value === saved;
  }

  async function validate() {
    const mine = ++seq;
    status.className = "muted";
    status.textContent = "checking…";
    const r = await api("POST", "/api/scenarios/" + name + "/validate", { text: text.value });
    if (mine !== seq) return null;  // a newer check is on its way
    if (!r.ok) { status.className = "bad"; status.textContent = r.data.error; return null; }
    showProblems(r.data.problems, r.data.summary, r.data.valid);
    draftBtn.hidden = r.data.valid;
    return r.data.valid;
  }

  async function save(force) {
    const r = await api("PUT", "/api/scenarios/" + name,
                        { text: text.value, force: !!force, base_sha256: sha });
    if (r.ok) {
      sha = r.data.sha256;
      saved = text.value;
      markDirty();
      showProblems(r.data.problems, r.data.summary, r.data.valid);
      draftBtn.hidden = true;
      status.textContent = (r.data.draft ? "saved as a draft — " : "saved — ") + status.textContent;
      return true;
    }
    if (r.status === 422 && r.data.problems) {
      showProblems(r.data.problems, null, false);
      status.textContent = r.data.error;
      draftBtn.hidden = false;
    } else {
      status.className = "bad";
      status.textContent = r.data.error || ("error " + r.status);
    }
    return false;
  }

  text.addEventListener("scroll", syncScroll);
  text.addEventListener("input", () => {
    scheduleGutter();
    markDirty();
    clearTimeout(timer);
    timer = setTimeout(validate, 700);
  });
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Tab") {  // indent with two spaces, as YAML wants
      ev.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    } else if ((ev.ctrlKey || ev.metaKey) && ev.key === "s") {
      ev.preventDefault();
      save(false);
    }
  });
  document.getElementById("validate").addEventListener("click", () => { clearTimeout(timer); validate(); });
  document.getElementById("save").addEventListener("click", () => { clearTimeout(timer); save(false); });
  draftBtn.addEventListener("click", () => save(true));
  window.addEventListener("beforeunload", (ev) => { if (text.value !== saved) { ev.preventDefault(); } });

  const form = document.getElementById("run-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    if (text.value !== saved && !(await save(false))) return;
    const draws = parseInt(document.getElementById("draws").value, 10);
    const seedText = document.getElementById("seed").value.trim();
    const body = { draws };
    if (seedText !== "") body.seed = parseInt(seedText, 10);
    const box = document.getElementById("job");
    const bar = document.getElementById("progress");
    const jobStatus = document.getElementById("job-status");
    const links = document.getElementById("job-links");
    const runBtn = document.getElementById("run");
    const cancelBtn = document.getElementById("cancel");
    box.hidden = false;
    links.hidden = true;
    cancelBtn.hidden = true;
    bar.value = 0;
    const r = await api("POST", "/api/scenarios/" + name + "/runs", body);
    if (!r.ok) {
      jobStatus.textContent = r.data.error || ("error " + r.status);
      if (r.data.problems && r.data.problems.length) showProblems(r.data.problems, null, false);
      return;
    }
    runBtn.disabled = true;
    cancelBtn.hidden = false;
    cancelBtn.disabled = false;
    cancelBtn.onclick = async () => {
      cancelBtn.disabled = true;
      const c = await api("POST", "/api/jobs/" + r.data.id + "/cancel", {});
      if (!c.ok) { jobStatus.textContent = c.data.error || ("error " + c.status); }
    };
    const finished = () => { runBtn.disabled = false; cancelBtn.hidden = true; };
    const poll = async () => {
      const j = await api("GET", r.data.status_url);
      if (!j.ok) { jobStatus.textContent = j.data.error; finished(); return; }
      const d = j.data;
      bar.max = d.total || 1;
      bar.value = d.done;
      const secs = d.elapsed_seconds == null ? "" : " · " + d.elapsed_seconds.toFixed(1) + " s";
      const draws = d.done.toLocaleString() + " / " + d.total.toLocaleString() + " draws";
      if (d.state === "done") {
        finished();
        jobStatus.textContent = "done — run " + d.run_id + secs;
        document.getElementById("report-link").href = d.report_url;
        document.getElementById("run-link").href = d.run_url;
        links.hidden = false;
      } else if (d.state === "failed") {
        finished();
        jobStatus.textContent = "failed: " + d.error;
        if (d.problems && d.problems.length) showProblems(d.problems, null, false);
      } else if (d.state === "cancelled") {
        finished();
        jobStatus.textContent = "cancelled — nothing of this run was kept";
      } else if (d.state === "lost") {
        finished();
        jobStatus.textContent = "lost in a restart — nothing of this run was kept; run it again";
      } else {
        cancelBtn.hidden = !d.cancel_url;
        jobStatus.textContent = (d.state === "queued" ? "waiting in the queue"
          : d.state === "cancelling" ? "cancelling (at the next chunk of draws) — " + draws
          : d.state + " — " + draws) + secs;
        setTimeout(poll, 300);
      }
    };
    poll();
  });

  renderGutter();
}

function setupNewScenario(form) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = document.getElementById("new-name").value.trim();
    const template = document.getElementById("new-template").value;
    const r = await api("POST", "/api/scenarios", { name, template });
    if (r.ok) { window.location.href = r.data.url; }
    else { document.getElementById("new-msg").textContent = r.data.error; }
  });
}

function setupJobs(table) {
  const msg = document.getElementById("jobs-msg");
  for (const btn of table.querySelectorAll("button.cancel-job")) {
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      const r = await api("POST", btn.dataset.url, {});
      if (r.ok) { window.location.reload(); }
      else { msg.textContent = r.data.error || ("error " + r.status); btn.disabled = false; }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const jobs = document.getElementById("jobs");
  if (jobs) setupJobs(jobs);
  const page = document.getElementById("editor-page");
  if (page) setupEditor(page);
  const form = document.getElementById("new-scenario");
  if (form) setupNewScenario(form);
});
