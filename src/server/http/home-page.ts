/**
 * A plain page that chats through the run stream until the React web UI replaces it. Script and
 * style are separate files so the Content-Security-Policy can forbid inline code. All text is put
 * in the page with textContent, never as HTML.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title>
<link rel="stylesheet" href="/assets/home.css">
<script type="module" src="/assets/home.js"></script>
</head>
<body>
<header><h1>Parley</h1><span id="who"></span> <button id="logout" type="button" hidden>Sign out</button></header>
<form id="auth" hidden>
  <p id="auth-note">Sign in, or create an account (the first account is the admin).</p>
  <label>Username <input id="username" autocomplete="username" required minlength="3" maxlength="40"></label>
  <label>Password <input id="password" type="password" autocomplete="current-password" required minlength="8" maxlength="200"></label>
  <button id="login" type="submit">Sign in</button>
  <button id="signup" type="button">Create account</button>
  <p id="auth-error" role="alert"></p>
</form>
<main id="chat" hidden>
  <div id="log" aria-live="polite"></div>
  <form id="form">
    <textarea id="input" aria-label="Message" placeholder="Ask anything (Enter sends, Shift+Enter for a new line)"></textarea>
    <button id="send" type="submit">Send</button>
    <button id="stop" type="button" disabled>Stop</button>
  </form>
</main>
</body>
</html>
`;

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 46rem; padding: 1rem; }
header { display: flex; align-items: center; gap: .75rem; }
h1 { font-size: 1.3rem; margin-right: auto; }
#auth { display: grid; gap: .5rem; max-width: 22rem; }
#auth-error { color: #c62828; min-height: 1.2em; }
#log { display: flex; flex-direction: column; gap: .75rem; margin-bottom: 1rem; }
.msg { white-space: pre-wrap; padding: .6rem .8rem; border-radius: .6rem; line-height: 1.45; }
.user { align-self: flex-end; background: #2563eb22; }
.assistant { background: #8882; }
.status { font-size: .75rem; opacity: .7; }
#form { display: flex; gap: .5rem; }
textarea { flex: 1; font: inherit; padding: .5rem; min-height: 3rem; }
button, input { font: inherit; padding: .4rem .8rem; }
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const log = $('log');
let csrfToken = null;
let conversationId = localStorage.getItem('parley.conversation');
const bubbles = new Map();

function bubble(message) {
  let el = bubbles.get(message.id);
  if (!el) {
    el = document.createElement('div');
    el.className = 'msg ' + message.role;
    el.append(document.createElement('span'), document.createElement('div'));
    el.lastChild.className = 'status';
    log.append(el);
    bubbles.set(message.id, el);
  }
  el.firstChild.textContent = message.content;
  el.lastChild.textContent = message.status === 'complete' ? '' : message.status;
  return el;
}

async function api(path, options = {}) {
  const headers = { 'content-type': 'application/json', ...(options.headers || {}) };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { ...options, headers });
  if (!res.ok && res.status !== 204) {
    const body = await res.json().catch(() => ({ error: res.statusText }));
    const error = new Error(body.error);
    error.status = res.status;
    throw error;
  }
  return res;
}

async function ensureConversation() {
  if (conversationId) {
    const res = await fetch('/api/conversations/' + conversationId);
    if (res.ok) return res.json();
  }
  const conversation = await (await api('/api/conversations', { method: 'POST', body: '{}' })).json();
  conversationId = conversation.id;
  localStorage.setItem('parley.conversation', conversationId);
  return conversation;
}

// Reads an SSE response, calling onEvent(id, data) for each event.
async function readStream(res, onEvent) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\\n\\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id = null, data = '';
      for (const line of block.split('\\n')) {
        if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(id, data);
    }
  }
}

async function follow(res, message) {
  let lastId = 0;
  $('stop').disabled = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await readStream(res, (id, data) => {
        if (id) lastId = id;
        if (data === '[DONE]') return;
        const part = JSON.parse(data);
        if (part.type === 'text-delta') message.content += part.delta;
        if (part.type === 'finish') message.status = part.messageMetadata?.status || 'complete';
        if (part.type === 'error') { message.status = 'error'; message.content += '\\n[' + part.errorText + ']'; }
        bubble(message);
      });
      break;
    } catch {
      // The network dropped: pick up exactly after the last event we saw.
      res = await fetch('/api/conversations/' + conversationId + '/stream', { headers: { 'last-event-id': String(lastId) } });
      if (res.status === 204) break;
    }
  }
  $('stop').disabled = true;
}

async function openChat(me) {
  csrfToken = me.csrfToken;
  $('auth').hidden = true;
  $('chat').hidden = false;
  $('who').textContent = me.authMode === 'local' ? me.user.displayName : '';
  $('logout').hidden = me.authMode !== 'local';
  const conversation = await ensureConversation();
  const page = await (await api('/api/conversations/' + conversationId + '/messages?limit=100')).json();
  for (const message of page.items) bubble(message);
  if (conversation.activeRun) {
    const message = page.items.find((m) => m.id === conversation.activeRun.messageId);
    const res = await fetch('/api/conversations/' + conversationId + '/stream');
    if (message && res.status === 200) {
      message.content = '';
      await follow(res, message);
    }
  }
}

async function start() {
  const res = await fetch('/api/auth/me');
  if (res.ok) return openChat(await res.json());
  $('auth').hidden = false;
}

async function authenticate(path) {
  $('auth-error').textContent = '';
  try {
    const body = JSON.stringify({ username: $('username').value, password: $('password').value });
    await api(path, { method: 'POST', body });
    const me = await (await fetch('/api/auth/me')).json();
    conversationId = null;
    await openChat(me);
  } catch (error) {
    $('auth-error').textContent = error.message;
  }
}

$('auth').addEventListener('submit', (event) => { event.preventDefault(); authenticate('/api/auth/login'); });
$('signup').addEventListener('click', () => authenticate('/api/auth/signup'));
$('logout').addEventListener('click', async () => {
  await api('/api/auth/logout', { method: 'POST', body: '{}' }).catch(() => {});
  localStorage.removeItem('parley.conversation');
  location.reload();
});

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const content = $('input').value;
  if (!content.trim()) return;
  $('input').value = '';
  try {
    const res = await api('/api/conversations/' + conversationId + '/messages', {
      method: 'POST', body: JSON.stringify({ content }), headers: { accept: 'text/event-stream' },
    });
    bubble({ id: 'u' + Date.now(), role: 'user', content, status: 'complete' });
    const message = { id: res.headers.get('x-parley-message-id'), role: 'assistant', content: '', status: 'streaming' };
    bubble(message);
    await follow(res, message);
  } catch (error) {
    bubble({ id: 'e' + Date.now(), role: 'assistant', content: String(error.message), status: 'error' });
  }
});
$('input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('form').requestSubmit(); }
});
$('stop').addEventListener('click', () => api('/api/conversations/' + conversationId + '/stop', { method: 'POST', body: '{}' }));
start();
`;

export const homePage = (): string => PAGE;
export const homeScript = (): string => SCRIPT;
export const homeStyle = (): string => STYLE;
