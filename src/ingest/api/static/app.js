// ingest dashboard: read-only views over the HTTP API. Article text is always inserted as text;
// only search snippets (escaped by the server, matches in <mark>) are rendered as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { q: "", cursor: null, jobsTimer: null };

async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
    tr.appendChild(td);
  }
  return tr;
}

async function loadHealth() {
  const pill = $("health");
  try {
    const response = await fetch("/health");
    const body = await response.json();
    pill.dataset.state = body.status;
    pill.textContent = `${body.status} · ${body.mode}`;
  } catch (err) {
    pill.dataset.state = "unavailable";
    pill.textContent = "unreachable";
  }
}

async function loadSources() {
  const body = await api("/sources");
  const tbody = $("sources").querySelector("tbody");
  tbody.replaceChildren();
  for (const s of body.items) {
    const job = s.last_job;
    const outcomes = Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(", ");
    const tr = row([s.name, String(s.articles), when(s.last_fetched),
      job ? `${job.state} ${when(job.finished_at || job.started_at || job.created_at)}` : "—",
      outcomes || "—"]);
    tr.dataset.source = s.name;
    tbody.appendChild(tr);
  }
  $("sources-empty").hidden = body.items.length > 0;
}

async function loadJobs() {
  const body = await api("/jobs?limit=20");
  const tbody = $("jobs").querySelector("tbody");
  tbody.replaceChildren();
  for (const j of body.items) {
    const c = j.counts || {};
    const bar = el("progress", null, { max: String(c.total || 1), value: String(c.done || 0) });
    const progress = document.createElement("span");
    progress.append(bar, ` ${c.done || 0}/${c.total || 0}`);
    const tr = row([j.id.slice(0, 8), j.source || "—", j.state, progress,
      String(c.stored || 0), String(c.duplicate || 0), String(c.failed || 0), when(j.created_at)]);
    tr.children[2].className = "state";
    tr.children[2].dataset.state = j.state;
    tr.dataset.job = j.id;
    tr.dataset.stored = String(c.stored || 0);
    tbody.appendChild(tr);
  }
  $("jobs-empty").hidden = body.items.length > 0;
}

function articleItem(a) {
  const li = el("li");
  li.dataset.id = String(a.id);
  const link = el("a", a.title, { href: `#/articles/${a.id}`, class: "title" });
  const meta = el("div", `${a.source} · ${a.language || "--"} · ${when(a.published)}`
    + (a.is_cluster_canonical ? "" : " · duplicate"), { class: "meta" });
  li.append(link, meta);
  if (a.snippet) {
    const p = el("p", null, { class: "snippet" });
    p.innerHTML = a.snippet; // escaped by the server; only <mark> tags
    li.appendChild(p);
  } else if (a.lead) {
    li.appendChild(el("p", a.lead, { class: "snippet" }));
  }
  return li;
}

async function loadArticles(append) {
  const params = new URLSearchParams({ limit: "20" });
  if (state.q) params.set("q", state.q);
  if (append && state.cursor) params.set("cursor", state.cursor);
  const status = $("articles-status");
  try {
    const body = await api(`/articles?${params}`);
    const list = $("articles");
    if (!append) list.replaceChildren();
    for (const a of body.items) list.appendChild(articleItem(a));
    state.cursor = body.next_cursor;
    $("more").hidden = !body.next_cursor;
    const n = list.children.length;
    status.textContent = state.q ? `${n}${body.next_cursor ? "+" : ""} result(s) for “${state.q}”`
      : `${n} latest article(s)`;
    status.dataset.ready = "true";
  } catch (err) {
    status.textContent = `Error: ${err.message}`;
  }
}

function renderBlocks(container, article) {
  container.replaceChildren();
  const blocks = article.blocks && article.blocks.length ? article.blocks
    : article.body.split(/\n\n+/).map((text) => ({ kind: "p", text }));
  let list = null;
  for (const b of blocks) {
    if (b.kind === "li") {
      if (!list) { list = el("ul"); container.appendChild(list); }
      list.appendChild(el("li", b.text));
      continue;
    }
    list = null;
    const tag = b.kind === "h" ? "h3" : b.kind === "quote" ? "blockquote" : b.kind === "pre" ? "pre" : "p";
    container.appendChild(el(tag, b.text));
  }
}

async function showArticle(id) {
  $("home").hidden = true;
  $("article-view").hidden = false;
  const a = await api(`/articles/${encodeURIComponent(id)}`);
  $("a-title").textContent = a.title;
  $("a-meta").textContent = [a.source, a.authors.join(", "), when(a.published),
    `${a.word_count} words`, `version ${a.version}`].filter(Boolean).join(" · ");
  $("a-lead").textContent = a.lead || "";
  renderBlocks($("a-body"), a);
  const link = $("a-url");
  link.textContent = a.url;
  link.href = /^https?:\/\//.test(a.url) ? a.url : "#";
  $("a-cluster").textContent = a.cluster.size > 1
    ? `In a cluster of ${a.cluster.size} (representative: #${a.cluster.canonical_article_id})`
    : "No duplicates known.";
  $("a-frame").src = /^https?:\/\//.test(a.url) ? a.url : "about:blank";
  $("article-view").dataset.ready = String(a.id);
}

function showHome() {
  $("article-view").hidden = true;
  $("article-view").dataset.ready = "";
  $("a-frame").src = "about:blank";
  $("home").hidden = false;
}

async function route() {
  const match = location.hash.match(/^#\/articles\/(\d+)$/);
  if (match) {
    try { await showArticle(match[1]); } catch (err) { $("a-title").textContent = `Error: ${err.message}`; }
  } else {
    showHome();
  }
}

async function refresh() {
  await Promise.allSettled([loadHealth(), loadSources(), loadJobs()]);
}

document.addEventListener("DOMContentLoaded", () => {
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("q").value.trim();
    state.cursor = null;
    loadArticles(false);
  });
  $("clear").addEventListener("click", () => {
    $("q").value = "";
    state.q = "";
    loadArticles(false);
  });
  $("more").addEventListener("click", () => loadArticles(true));
  window.addEventListener("hashchange", route);
  refresh();
  loadArticles(false);
  route();
  state.jobsTimer = setInterval(refresh, 2000);
});
