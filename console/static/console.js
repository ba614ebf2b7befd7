// The console's few live parts; every page also works without this file.
// - language picker: changes on selection;
// - compose: characters left per language, a Telegram-like preview of each text, the
//   audience size (a band, from /api/audience) as the audience is ticked;
// - progress: the bars of announcements being sent, refreshed every few seconds.
"use strict";

// Telegram's tags (console/telegram_html.py keeps the same ones on the server).
const TAGS = new Set([
  "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
  "code", "pre", "blockquote", "tg-spoiler", "a",
]);

// Telegram HTML rendered as Telegram would, with only its tags (console/telegram_html.py
// does the same on the server); the text is never inserted as HTML.
function renderTelegram(source, target) {
  const parsed = new DOMParser().parseFromString(`<div>${source}</div>`, "text/html");
  const copy = (from, into) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        into.appendChild(document.createTextNode(node.textContent));  // CSS keeps line breaks
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const tag = node.tagName.toLowerCase();
        if (tag === "script" || tag === "style") continue;  // dropped with their content
        if (!TAGS.has(tag)) { copy(node, into); continue; }
        const element = document.createElement(tag);
        if (tag === "a") {
          const href = node.getAttribute("href") || "";
          if (/^(https?|tg):\/\//.test(href)) element.setAttribute("href", href);
          element.setAttribute("rel", "noopener noreferrer");
        }
        copy(node, element);
        into.appendChild(element);
      }
    }
  };
  target.replaceChildren();
  copy(parsed.body.firstChild, target);
}

function watchText(area) {
  const counter = document.getElementById(area.dataset.counter);
  const bubble = document.getElementById(area.dataset.preview);
  const limit = Number(area.dataset.limit);
  const update = () => {
    const plain = new DOMParser().parseFromString(area.value, "text/html").body.textContent;
    const left = limit - plain.length;
    counter.textContent = `${plain.length} / ${limit}`;
    counter.classList.toggle("over", left < 0);
    renderTelegram(area.value, bubble);
  };
  area.addEventListener("input", update);
  update();
}

function watchAudience(fieldset) {
  const output = document.getElementById(fieldset.dataset.size);
  let timer = null;
  const update = async () => {
    const query = new URLSearchParams();
    for (const box of fieldset.querySelectorAll("input[type=checkbox]:checked")) {
      query.append(box.name, box.value);
    }
    try {
      const answer = await fetch(`/api/audience?${query}`, { credentials: "same-origin" });
      output.textContent = answer.ok ? (await answer.json()).size : "—";
    } catch {
      output.textContent = "—";
    }
  };
  fieldset.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  update();
}

function watchProgress(block) {
  const id = block.dataset.broadcast;
  const bar = block.querySelector("progress");
  const refresh = async () => {
    try {
      const answer = await fetch(`/api/broadcasts/${id}/progress`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const progress = await answer.json();
      bar.value = progress.share;
      bar.textContent = `${progress.share}%`;
      for (const name of ["sent", "pending", "unreachable", "left"]) {
        const cell = block.querySelector(`[data-count=${name}]`);
        if (cell) cell.textContent = progress[name];
      }
      if (progress.final) return;
    } catch {
      // the server restarted or the network dropped: try again later
    }
    setTimeout(refresh, 3000);
  };
  setTimeout(refresh, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("scripted");
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  document.querySelectorAll("textarea[data-preview]").forEach(watchText);
  document.querySelectorAll("fieldset[data-size]").forEach(watchAudience);
  document.querySelectorAll(".progress[data-broadcast]").forEach(watchProgress);
});
