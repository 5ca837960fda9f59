// 网格助手 simulator: plain JavaScript, no build step. Every action is a real update sent
// through the Bot API emulator's control endpoints; the page long-polls for what changed.
"use strict";

const $ = (id) => document.getElementById(id);
const JOBS = {
  remind: "提醒与超时督办", daily_digest: "每日简报", visit_lists: "入户走访名单",
  repeat_emergency_alerts: "紧急求助重发", ask_dispute_followups: "纠纷回访",
};
const S = {
  config: null, persona: null, chatId: null, version: -1, chats: [], messages: [], inbox: {},
  seen: JSON.parse(localStorage.getItem("sim.seen") || "{}"), generation: 0,
};

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || data.description || response.statusText);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// ---- formatting ---------------------------------------------------------------------------

function fmt(unix, opts) {
  return new Intl.DateTimeFormat("zh-CN", {timeZone: S.config.timezone, ...opts})
    .format(new Date(unix * 1000));
}
const hhmm = (unix) => fmt(unix, {hour: "2-digit", minute: "2-digit", hour12: false});

// "11月26日 周四 08:30" in the community's time zone.
function longTime(unix) {
  const parts = {};
  new Intl.DateTimeFormat("zh-CN", {timeZone: S.config.timezone, month: "numeric",
    day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false})
    .formatToParts(new Date(unix * 1000)).forEach((p) => { parts[p.type] = p.value; });
  return `${parts.month}月${parts.day}日 ${parts.weekday} ${parts.hour}:${parts.minute}`;
}

function offsetText(seconds) {
  if (seconds < 60) return "";
  const days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [days && `${days}天`, hours && `${hours}小时`, !days && minutes && `${minutes}分`];
  return "（已快进 " + parts.filter(Boolean).join("") + "）";
}

const WRAP = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

// Text with Telegram entities; offsets count UTF-16 units, as JavaScript strings do.
function richText(text, entities) {
  const frag = document.createDocumentFragment();
  if (!entities || !entities.length) { frag.append(text); return frag; }
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const [a, b] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(a, b));
    for (const e of entities) {
      if (e.offset > a || e.offset + e.length < b) continue;
      let wrapper;
      if (e.type === "text_link") wrapper = el("a", {href: e.url, target: "_blank", rel: "noopener"});
      else if (e.type === "url") wrapper = el("a", {href: text.slice(e.offset, e.offset + e.length),
                                                    target: "_blank", rel: "noopener"});
      else if (e.type === "spoiler") wrapper = el("span", {class: "spoiler"});
      else if (WRAP[e.type]) wrapper = el(WRAP[e.type]);
      if (wrapper) { wrapper.append(node); node = wrapper; }
    }
    frag.append(node);
  }
  return frag;
}

function personName(user) {
  return (user.first_name || "") + (user.last_name || "");
}

function personaOf(id) {
  return S.config.personas.find((p) => p.id === id);
}

// ---- personas and chats -------------------------------------------------------------------

function me() {
  const p = personaOf(S.persona);
  return {id: p.id, first_name: p.first_name, last_name: p.last_name || undefined,
          language_code: "zh-hans"};
}

function renderPersonas() {
  const list = $("persona-list");
  list.replaceChildren(...S.config.personas.map((p) => el("button", {
    type: "button", class: "persona", "data-persona": p.id, "aria-pressed": String(p.id === S.persona),
    onclick: () => choosePersona(p.id),
  }, el("span", {class: "avatar"}, p.emoji), el("span", {}, p.name, el("small", {}, p.role)),
  hasNews(p.id) ? el("span", {class: "badge", title: "机器人给TA发了新消息"}, "新") : null)));
}

// The bot wrote to this persona privately since they last looked.
function hasNews(id) {
  return id !== S.persona && (S.inbox[id] || 0) > (S.seen[`${id}:${id}`] || 0);
}

function choosePersona(id) {
  S.persona = id;
  localStorage.setItem("sim.persona", String(id));
  S.chatId = Number(localStorage.getItem(`sim.chat.${id}`)) || id;
  S.messages = [];
  $("messages").replaceChildren(); // never show (or let anyone press) another persona's chat
  renderPersonas();
  renderTries();
  refresh(true);
}

function seenKey() { return `${S.persona}:${S.chatId}`; }

function markSeen() {
  const chat = S.chats.find((c) => c.id === S.chatId);
  if (!chat) return;
  S.seen[seenKey()] = chat.message_id;
  localStorage.setItem("sim.seen", JSON.stringify(S.seen));
}

function renderChats() {
  const items = S.chats.map((chat) => {
    const unseen = chat.id !== S.chatId && chat.message_id > (S.seen[`${S.persona}:${chat.id}`] || 0)
      && chat.from_bot;
    const icon = chat.type === "private" ? "🤖" : "👥";
    return el("li", {}, el("button", {
      type: "button", class: "chat-item", "data-chat": chat.id,
      "aria-current": String(chat.id === S.chatId), onclick: () => openChat(chat.id),
    }, el("span", {class: "avatar"}, icon), el("span", {class: "body"},
      el("span", {class: "name"}, el("span", {}, chat.title),
         el("span", {class: "time"}, chat.date ? hhmm(chat.date) : "")),
      el("div", {class: "preview"}, chat.text || (chat.type === "private" ? "点开，和机器人私聊" : ""))),
    unseen ? el("span", {class: "badge"}, "新") : null));
  });
  $("chat-list").replaceChildren(...items);
}

function openChat(id) {
  S.chatId = id;
  localStorage.setItem(`sim.chat.${S.persona}`, String(id));
  $("app").className = "show-chat";
  S.messages = [];
  $("messages").replaceChildren();
  refresh(true);
  $("input").focus();
}

// ---- messages -----------------------------------------------------------------------------

function fileLink(fileId, name, size) {
  const kb = size ? ` · ${Math.max(1, Math.round(size / 1024))} KB` : "";
  return el("a", {class: "file", href: `/_sandbox/files/${encodeURIComponent(fileId)}?download=1`,
                  download: name || true},
    el("span", {class: "icon"}, "📄"),
    el("span", {}, el("div", {class: "fname"}, name || "文件"), el("div", {class: "muted"}, `点此下载${kb}`)));
}

function keyboard(item) {
  const rows = (item.message.reply_markup || {}).inline_keyboard || [];
  if (!rows.length) return null;
  return el("div", {class: "keyboard"}, ...rows.map((row) => el("div", {class: "row"},
    ...row.map((button) => {
      const isUrl = !!button.url;
      return el("button", {type: "button", class: isUrl ? "url" : "",
                           onclick: (ev) => pressButton(item, button, ev.currentTarget)}, button.text);
    }))));
}

function messageNode(item) {
  const msg = item.message;
  const mine = !item.from_bot && msg.from && msg.from.id === S.persona;
  const chat = S.chats.find((c) => c.id === S.chatId);
  const group = chat && chat.type !== "private";
  const sender = item.from_bot ? S.config.bot.name : personName(msg.from || {});
  const persona = msg.from && personaOf(msg.from.id);
  const avatar = item.from_bot ? "🤖" : (persona ? persona.emoji : "🙂");
  const bubble = el("div", {class: "bubble"});
  if (!mine && (group || item.from_bot)) bubble.append(el("div", {class: "sender"}, sender));
  if (msg.reply_to_message) {
    const quoted = msg.reply_to_message;
    bubble.append(el("div", {class: "quote"}, personName(quoted.from || {}) + "：" +
                     (quoted.text || quoted.caption || "")));
  }
  if (msg.photo) {
    const best = msg.photo[msg.photo.length - 1];
    bubble.append(el("a", {href: `/_sandbox/files/${encodeURIComponent(best.file_id)}`, target: "_blank"},
      el("img", {class: "photo", alt: msg.caption || "图片", loading: "lazy",
                 src: `/_sandbox/files/${encodeURIComponent(best.file_id)}`})));
  }
  if (msg.document) {
    bubble.append(fileLink(msg.document.file_id, msg.document.file_name, msg.document.file_size));
  }
  const body = msg.text !== undefined ? richText(msg.text, msg.entities)
    : msg.caption !== undefined ? richText(msg.caption, msg.caption_entities) : null;
  if (body) bubble.append(el("div", {class: "text"}, body));
  bubble.append(el("div", {class: "meta"}, (item.edited ? "已编辑 · " : "") + hhmm(msg.date)));
  return el("div", {class: "msg" + (mine ? " mine" : ""), "data-message": item.message_id,
                    "data-from-bot": String(item.from_bot)},
    el("span", {class: "avatar"}, avatar), el("div", {class: "stack"}, bubble, keyboard(item)));
}

function renderMessages(scrollDown) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const chat = S.chats.find((c) => c.id === S.chatId);
  $("chat-title").textContent = chat ? chat.title : "请选择一个聊天";
  $("chat-subtitle").textContent = !chat ? "" : chat.type === "private"
    ? `与机器人的私聊 · 我是 ${personaOf(S.persona).name}`
    : `群聊 · 机器人在群里 · 我是 ${personaOf(S.persona).name}`;
  const live = S.messages.filter((item) => !item.deleted);
  const notStarted = chat && chat.type === "private" && !chat.started && !live.length;
  $("start-bar").hidden = !notStarted;
  if (!live.length) {
    box.replaceChildren(el("div", {class: "empty"}, notStarted
      ? "还没有和机器人说过话。点下面的“开始”，或者直接输入要反映的事情。"
      : "还没有消息。输入文字发送，或点下面的建议试试。"));
  } else {
    box.replaceChildren(...live.map(messageNode));
  }
  if (scrollDown || atBottom) box.scrollTop = box.scrollHeight;
}

function renderTries() {
  const p = personaOf(S.persona);
  $("tries").replaceChildren(...(p ? p.tries : []).map((text) => el("button", {
    type: "button", onclick: () => { $("input").value = text; $("input").focus(); },
  }, text)));
}

// ---- talking to the emulator --------------------------------------------------------------

function toast(text, ms = 2600) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, ms);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

async function send(text, chatId = S.chatId) {
  text = text.trim();
  if (!text) return;
  const chat = S.chats.find((c) => c.id === chatId);
  const body = {user: me(), text};
  if (chat && chat.type !== "private") body.chat_id = chatId;
  try {
    await api("/_sandbox/send", body);
  } catch (err) {
    toast("发送失败：" + err.message);
  }
  await refresh(true);
}

async function pressButton(item, button, node) {
  if (button.url) {
    const m = button.url.match(/^https:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]+)$/);
    if (m && m[1].toLowerCase() === String(S.config.bot.username).toLowerCase()) {
      openChat(S.persona); // like Telegram: the link opens the private chat and sends /start
      await send(`/start ${m[2]}`, S.persona);
    } else {
      window.open(button.url, "_blank", "noopener");
    }
    return;
  }
  if (!button.callback_data) { toast("这个按钮在模拟器里不可用"); return; }
  node.classList.add("pressing");
  try {
    const result = await api("/_sandbox/sim/press", {
      user: me(), chat_id: S.chatId, message_id: item.message_id, data: button.callback_data,
    });
    const answer = result.answer || {};
    if (answer.text) (answer.show_alert ? showAlert : toast)(answer.text);
  } catch (err) {
    toast("按钮失效：" + err.message);
  } finally {
    node.classList.remove("pressing");
  }
  await refresh();
}

async function jump(kind) {
  const bodies = {hour: {advance_s: 3600}, day: {advance_s: 86400},
                  morning: {tomorrow_at: "08:30", tz: S.config.timezone}};
  const buttons = document.querySelectorAll("[data-jump]");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await api("/_sandbox/clock", bodies[kind]);
    const ran = (result.ran || []).map((id) => JOBS[id]).filter(Boolean);
    toast(`⏰ 现在是 ${longTime(Date.parse(result.now) / 1000)}` +
          (ran.length ? `\n这段时间里：${ran.join("、")}` : ""), 4000);
  } catch (err) {
    toast("时间快进失败：" + err.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  await refresh();
}

function applyState(data) {
  S.version = data.version;
  S.chats = data.chats;
  S.inbox = data.inbox || {};
  if (!S.chats.some((c) => c.id === S.chatId)) S.chatId = S.persona;
  const now = Date.parse(data.clock.now) / 1000;
  $("clock-now").textContent = longTime(now);
  $("clock-offset").textContent = offsetText(data.clock.offset_s);
}

// Fetch the chat list and the open chat now (after an action, or a change seen by the poll).
async function refresh(scrollDown = false) {
  const generation = ++S.generation;
  const persona = S.persona, chatId = S.chatId;
  try {
    const state = await api(`/_sandbox/sim/state?persona=${persona}&chat=${chatId}&wait=0`);
    if (generation !== S.generation) return; // a newer refresh is on its way
    applyState(state);
    if (S.chatId === chatId) S.messages = state.messages;
    renderChats();
    renderMessages(scrollDown);
    markSeen();
    renderPersonas();
    document.body.dataset.version = String(S.version);
    // first render with data: how long the page took to be usable (the browser test reads it)
    document.body.dataset.readyMs ||= String(Math.round(performance.now()));
  } catch (err) {
    toast("连接模拟器失败：" + err.message);
  }
}

async function poll() {
  for (;;) {
    try {
      const data = await api(`/_sandbox/sim/state?persona=${S.persona}&after=${S.version}`);
      if (data.version !== S.version) await refresh();
    } catch (err) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

async function main() {
  S.config = await api("/_sandbox/sim/config");
  document.title = S.config.title || document.title;
  $("title").textContent = S.config.title || "网格助手 · 模拟器";
  if (!S.config.personas.length) { // a bare `python -m sandbox`: nobody to act as
    $("messages").replaceChildren(el("div", {class: "empty"},
      "这个模拟器没有配置角色。请用 gridbot demo（或 make demo）启动。"));
    return;
  }
  const saved = Number(localStorage.getItem("sim.persona"));
  const first = S.config.personas.length ? S.config.personas[0].id : null;
  S.persona = personaOf(saved) ? saved : first;
  S.chatId = Number(localStorage.getItem(`sim.chat.${S.persona}`)) || S.persona;
  renderPersonas();
  renderTries();
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("input").value;
    $("input").value = "";
    send(text);
  });
  $("input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("start-button").addEventListener("click", () => send("/start"));
  $("back").addEventListener("click", () => { $("app").className = "show-list"; });
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  document.querySelectorAll("[data-jump]").forEach((b) => b.addEventListener(
    "click", () => jump(b.dataset.jump)));
  await refresh(true);
  poll();
}

main();
