// The sandbox web chat: a phone-like chat on the sandbox's user side (/sandbox/api/).
// No build step and no external URLs. Bot HTML is rebuilt from an allow-list, never injected.
// The chat follows new messages while the reader is at the bottom, and shows a "New messages"
// cue when they scrolled up; a restarted (or reset) sandbox is noticed by its new world id.
"use strict";

const API = "/sandbox/api";
const RTL_LANGUAGES = ["ar", "fa", "he", "ur"];
const ALLOWED_TAGS = {
  B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s", DEL: "s",
  CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a", SPAN: "span",
  "TG-SPOILER": "span", "TG-EMOJI": "span",
};

const WORLD_CHECK_MS = 2000;
const AT_BOTTOM_PX = 24;

const $ = (selector) => document.querySelector(selector);
const state = {
  user: null, version: -1, loop: 0, answers: new Set(),
  world: null, following: true, views: new Map(),
};

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

async function upload(path, form) {
  const response = await fetch(API + path, { method: "POST", body: form });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
}

// --- safe rendering of the bot's HTML ------------------------------------------------------
function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function sanitizeInto(target, node) {
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      target.appendChild(document.createTextNode(child.textContent));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = ALLOWED_TAGS[child.tagName];
    if (!tag) {
      target.appendChild(document.createTextNode(child.textContent));
      continue;
    }
    const element = document.createElement(tag);
    if (tag === "a") {
      const href = safeUrl(child.getAttribute("href"));
      if (href) element.href = href;
      element.target = "_blank";
      element.rel = "noopener noreferrer";
    }
    if (child.tagName === "TG-SPOILER" ||
        (child.tagName === "SPAN" && child.getAttribute("class") === "tg-spoiler")) {
      element.className = "spoiler";
      element.addEventListener("click", () => element.classList.toggle("shown"));
    }
    sanitizeInto(element, child);
    target.appendChild(element);
  }
}

function renderText(target, message, rawKey, plainKey) {
  const raw = message.raw_text;
  if (raw && (message.parse_mode || "").toLowerCase() === "html") {
    const doc = new DOMParser().parseFromString("<body>" + raw + "</body>", "text/html");
    sanitizeInto(target, doc.body);
  } else if (message[plainKey]) {
    target.appendChild(document.createTextNode(message[plainKey]));
  }
}

// --- message parts -------------------------------------------------------------------------
function inlineKeyboard(message) {
  const box = document.createElement("div");
  box.className = "inline-keyboard";
  for (const row of message.inline_keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      let element;
      if (button.url) {
        element = document.createElement("a");
        const href = safeUrl(button.url);
        if (href) element.href = href;
        element.target = "_blank";
        element.rel = "noopener noreferrer";
      } else {
        element = document.createElement("button");
        element.type = "button";
        element.addEventListener("click", () => press(message.message_id, button.callback_data));
      }
      element.dir = "auto";
      element.textContent = button.text;
      line.appendChild(element);
    }
    box.appendChild(line);
  }
  return box;
}

function pollView(message) {
  const poll = message.poll;
  const mine = new Set(poll.my_option_ids || []);
  const box = document.createElement("div");
  box.className = "poll";
  const question = document.createElement("div");
  question.className = "poll-question";
  question.dir = "auto";
  question.textContent = poll.question;
  box.appendChild(question);
  const total = poll.options.reduce((sum, option) => sum + option.voter_count, 0);
  poll.options.forEach((option, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "poll-option" + (mine.has(index) ? " chosen" : "");
    button.dir = "auto";
    button.disabled = poll.is_closed;
    const label = document.createElement("span");
    label.textContent = (mine.has(index) ? "✓ " : "") + option.text;
    const count = document.createElement("span");
    const share = total ? Math.round((100 * option.voter_count) / total) : 0;
    count.className = "poll-count";
    count.textContent = `${option.voter_count} · ${share}%`;
    button.append(label, count);
    button.addEventListener("click", () => {
      let choice = [index];
      if (poll.allows_multiple_answers) {
        const next = new Set(mine);
        if (next.has(index)) next.delete(index); else next.add(index);
        choice = Array.from(next).sort((a, b) => a - b);
      }
      vote(poll.id, choice);
    });
    box.appendChild(button);
  });
  const footer = document.createElement("div");
  footer.className = "poll-footer";
  footer.textContent = `${poll.is_anonymous ? "Anonymous poll" : "Public poll"} · ` +
    `${poll.total_voter_count} voter(s)${poll.is_closed ? " · closed" : ""} `;
  if (mine.size && !poll.is_closed && poll.type !== "quiz") {
    const retract = document.createElement("button");
    retract.type = "button";
    retract.textContent = "Retract vote";
    retract.addEventListener("click", () => vote(poll.id, []));
    footer.appendChild(retract);
  }
  box.appendChild(footer);
  return box;
}

function messageView(message) {
  const wrapper = document.createElement("div");
  wrapper.className = "message " + message.sender;
  const bubble = document.createElement("div");
  bubble.className = "bubble " + message.sender;
  bubble.dir = "auto";
  bubble.dataset.messageId = message.message_id;
  if (message.photo) {
    const image = document.createElement("img");
    // The photo's own size reserves its room before it loads, so the chat does not jump.
    image.width = message.photo.width;
    image.height = message.photo.height;
    image.src = message.photo.url;
    image.alt = "photo";
    image.addEventListener("load", () => { if (state.following) scrollToBottom(); });
    bubble.appendChild(image);
  }
  if (message.document) {
    const link = document.createElement("a");
    link.href = message.document.url;
    link.download = message.document.file_name || "document";
    link.textContent = "📄 " + (message.document.file_name || "document");
    bubble.appendChild(link);
  }
  if (message.poll) bubble.appendChild(pollView(message));
  if (message.contact) {
    bubble.appendChild(document.createTextNode("📞 " + message.contact.phone_number));
  }
  const text = document.createElement("div");
  text.className = "text";
  // No dir of its own: the bubble's dir="auto" then resolves from this text (its first strong
  // character), so the whole bubble, timestamp included, follows the message's direction.
  if (message.text !== undefined) renderText(text, message, "raw_text", "text");
  else if (message.caption !== undefined) renderText(text, message, "raw_text", "caption");
  if (text.childNodes.length) bubble.appendChild(text);
  const meta = document.createElement("span");
  meta.className = "meta";
  const time = new Date(message.date * 1000);
  meta.textContent = (message.edited ? "edited " : "") +
    time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.appendChild(meta);
  wrapper.appendChild(bubble);
  if (message.inline_keyboard) wrapper.appendChild(inlineKeyboard(message));
  return wrapper;
}

function replyKeyboard(markup) {
  const box = $("#reply-keyboard");
  box.replaceChildren();
  box.hidden = !markup;
  if (!markup) return;
  for (const row of markup.keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.dir = "auto";
      element.textContent = button.text;
      element.addEventListener("click", () => {
        if (button.request_contact) shareContact(); else send(button.text);
      });
      line.appendChild(element);
    }
    box.appendChild(line);
  }
}

// --- following the conversation ----------------------------------------------------------
function atBottom() {
  const pane = $("#chat");
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight <= AT_BOTTOM_PX;
}

function scrollToBottom() {
  const pane = $("#chat");
  pane.scrollTop = pane.scrollHeight;
  state.following = true;
  $("#new-messages").hidden = true;
}

function onChatScroll() {
  state.following = atBottom();
  if (state.following) $("#new-messages").hidden = true;
}

// Messages are kept by id and redrawn only when they change, so a photo is not loaded again
// (and the reader's place is not lost) each time another message arrives.
function renderMessages(pane, messages) {
  const views = new Map();
  let arrived = false;
  for (const message of messages) {
    const key = JSON.stringify(message);
    const old = state.views.get(message.message_id);
    if (old && old.key === key) {
      views.set(message.message_id, old);
      continue;
    }
    if (!old && message.sender === "bot") arrived = true;
    views.set(message.message_id, { key, element: messageView(message) });
  }
  pane.replaceChildren(...Array.from(views.values(), (view) => view.element));
  state.views = views;
  return arrived;
}

function render(chat) {
  const pane = $("#chat");
  const first = state.version < 0;
  const arrived = renderMessages(pane, chat.messages);
  if (chat.user.blocked) {
    const notice = document.createElement("div");
    notice.className = "notice";
    notice.textContent = "You blocked this bot.";
    pane.appendChild(notice);
  }
  replyKeyboard(chat.reply_keyboard);
  $("#block-toggle").textContent = chat.user.blocked ? "Unblock" : "Block";
  for (const [id, answer] of Object.entries(chat.callback_answers || {})) {
    if (state.answers.has(id)) continue;
    state.answers.add(id);
    if (answer.text && !first) toast(answer.text);
  }
  if (first || state.following) scrollToBottom();
  else if (arrived) $("#new-messages").hidden = false;
}

// --- the sandbox restarting ----------------------------------------------------------------
// One notice at a time: "lost" while the server does not answer, "restart" once it answered
// as a new world (kept until the reader starts a chat again).
function serverNotice(kind, text) {
  const box = $("#server-notice");
  box.dataset.kind = kind;
  box.textContent = text;
  box.hidden = !kind;
}

function forgetUser() {
  state.user = null;
  state.loop += 1;
  state.views = new Map();
  $("#chat").replaceChildren();
  replyKeyboard(null);
  $("#new-messages").hidden = true;
  for (const id of ["#message-input", "#send-button", "#attach-button"]) $(id).disabled = true;
  $("#block-toggle").hidden = true;
}

async function checkWorld() {
  let info;
  try {
    info = await api("GET", "/info");
  } catch (error) {
    serverNotice("lost", "Lost contact with the sandbox: is `make run` still running? " +
      "Trying again…");
    return;
  }
  if (state.world === null) state.world = info.world_id;
  if (info.world_id === state.world) {
    if ($("#server-notice").dataset.kind === "lost") serverNotice("", "");
    return;
  }
  // A new world: the server restarted (or was reset). Its users and chats are gone; the bot
  // kept its database, and numbers new users above every id it knows.
  state.world = info.world_id;
  forgetUser();
  await loadUsers();
  serverNotice("restart", "The sandbox restarted: its users and chats are gone (the bot " +
    "kept its database). Start a chat as a new user to go on.");
}

async function watchWorld() {
  for (;;) {
    await checkWorld();
    await new Promise((resolve) => setTimeout(resolve, WORLD_CHECK_MS));
  }
}

// --- actions -------------------------------------------------------------------------------
async function guarded(action) {
  try {
    await action();
  } catch (error) {
    toast(error.message);
  }
}

const send = (text) => guarded(async () => {
  if (!state.user || !text.trim()) return;
  state.following = true; // what you send, and its answer, come into view
  await api("POST", `/users/${state.user.id}/send`, { text });
});
const attach = (file, caption) => guarded(async () => {
  if (!state.user || !file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  if (caption.trim()) form.append("caption", caption);
  state.following = true;
  await upload(`/users/${state.user.id}/attach`, form);
});
const press = (messageId, data) => guarded(() =>
  api("POST", `/users/${state.user.id}/press`, { message_id: messageId, data }));
const vote = (pollId, optionIds) => guarded(() =>
  api("POST", `/users/${state.user.id}/vote`, { poll_id: pollId, option_ids: optionIds }));
const shareContact = () => guarded(() => api("POST", `/users/${state.user.id}/contact`, {}));

async function follow(loop) {
  while (loop === state.loop && state.user) {
    try {
      const chat = await api("GET",
        `/users/${state.user.id}/chat?version=${state.version}&wait=25`);
      if (loop !== state.loop) return;
      render(chat);
      state.version = chat.version;
    } catch (error) {
      checkWorld(); // the server may have gone, or come back as a new world
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function selectUser(user) {
  state.user = user;
  state.version = -1;
  state.answers = new Set();
  state.views = new Map();
  state.following = true;
  state.loop += 1;
  const language = (user.language_code || "").toLowerCase().split(/[-_]/)[0];
  const pane = $("#chat");
  pane.dir = RTL_LANGUAGES.includes(language) ? "rtl" : "ltr";
  pane.lang = user.language_code || "";
  pane.replaceChildren();
  $("#new-messages").hidden = true;
  for (const id of ["#message-input", "#send-button", "#attach-button"]) $(id).disabled = false;
  $("#block-toggle").hidden = false;
  serverNotice("", "");
  $("#user-select").value = String(user.id);
  follow(state.loop);
}

async function loadUsers(selectId) {
  const { users } = await api("GET", "/users");
  const select = $("#user-select");
  select.replaceChildren(new Option("— choose a user —", ""));
  for (const user of users) {
    // The id shows, as staff commands and BOT_ADMIN_IDS name people by it.
    const label = `${user.first_name} (${user.language_code}) · ${user.id}`;
    select.appendChild(new Option(label, user.id));
  }
  state.users = users;
  if (selectId) select.value = String(selectId);
  return users;
}

async function createUser() {
  const name = $("#new-user-name").value.trim();
  if (!name) { toast("Please type a name."); return; }
  let language = $("#new-user-language").value;
  if (language === "other") language = $("#new-user-language-other").value.trim() || "en";
  const user = await api("POST", "/users", { first_name: name, language_code: language });
  $("#new-user-name").value = "";
  await loadUsers(user.id);
  selectUser(user);
  await send("/start"); // what Telegram's Start button sends in a new chat
}

function init() {
  api("GET", "/info").then((info) => {
    $("#bot-name").textContent = info.bot.first_name + " · @" + info.bot.username;
    if (state.world === null) state.world = info.world_id;
  }).catch(() => {});
  loadUsers();
  watchWorld();
  $("#chat").addEventListener("scroll", onChatScroll);
  $("#new-messages").addEventListener("click", scrollToBottom);
  $("#attach-button").addEventListener("click", () => $("#attach-input").click());
  $("#attach-input").addEventListener("change", (event) => {
    const input = $("#message-input");
    attach(event.target.files[0], input.value);
    input.value = "";
    event.target.value = ""; // the same file can be chosen again
  });
  $("#create-user").addEventListener("click", () => guarded(createUser));
  $("#new-user-name").addEventListener("keydown", (event) => {
    if (event.key === "Enter") guarded(createUser);
  });
  $("#new-user-language").addEventListener("change", (event) => {
    $("#new-user-language-other").hidden = event.target.value !== "other";
  });
  $("#user-select").addEventListener("change", (event) => {
    const user = (state.users || []).find((u) => String(u.id) === event.target.value);
    if (user) selectUser(user);
  });
  $("#block-toggle").addEventListener("click", () => guarded(async () => {
    const chat = await api("GET", `/users/${state.user.id}/chat`);
    await api("POST", `/users/${state.user.id}/${chat.user.blocked ? "unblock" : "block"}`);
  }));
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#message-input");
    const text = input.value;
    input.value = "";
    send(text);
  });
}

document.addEventListener("DOMContentLoaded", init);
