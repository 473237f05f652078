/**
 * The /_local/ page of local mode: the outbox, and a form to try a verification. Self-contained (no
 * external assets); everything shown goes through textContent; the CSP allows only its own script
 * and style, by hash.
 */
import { createHash } from 'node:crypto';
import { CHANNEL_TRAITS, CHANNELS, type DestinationKind } from '../functions/core/verification.ts';
import { LOCAL_PUSH_ENDPOINT_EXAMPLE } from './local-push.ts';

/** The `to` the form suggests for each channel, by the kind of destination it takes. */
const EXAMPLE_DESTINATIONS: Record<DestinationKind, string> = {
  phone: '+14155550123',
  email: 'ana@example.com',
  push_endpoint: LOCAL_PUSH_ENDPOINT_EXAMPLE,
};
const EXAMPLES = Object.fromEntries(
  CHANNELS.map((channel) => [channel, EXAMPLE_DESTINATIONS[CHANNEL_TRAITS[channel].destination]]),
);

const PAGE_SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
const startForm = $('start-form');
const checkForm = $('check-form');
const answer = $('answer');
const answerTitle = $('answer-title');
const list = $('messages');
const outboxState = $('outbox-state');
const EXAMPLES = ${JSON.stringify(EXAMPLES)};

function show(label, status, body) {
  answerTitle.textContent = label + ' \\u2192 ' + status;
  answerTitle.className = status >= 400 ? 'bad' : 'good';
  answer.textContent = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

async function call(method, path, body) {
  const label = method + ' ' + path;
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch {}
    show(label, response.status, parsed);
    return { status: response.status, body: parsed };
  } catch (error) {
    show(label, 'no answer', String(error));
    return undefined;
  }
}

startForm.channel.addEventListener('change', () => {
  const to = startForm.to.value.trim();
  if (to === '' || Object.values(EXAMPLES).includes(to)) startForm.to.value = EXAMPLES[startForm.channel.value];
});

startForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = await call('POST', '/v1/verifications', {
    to: startForm.to.value,
    channel: startForm.channel.value,
  });
  if (result && result.body && typeof result.body.id === 'string') {
    checkForm.id.value = result.body.id;
    checkForm.code.value = '';
    checkForm.code.focus();
  }
  refresh();
});

checkForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = checkForm.id.value.trim();
  if (id === '') return show('check', 'skipped', 'Send a code first: the verification id goes here.');
  await call('POST', '/v1/verifications/' + encodeURIComponent(id) + '/check', { code: checkForm.code.value });
});

$('status').addEventListener('click', () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('status', 'skipped', 'Send a code first: the verification id goes here.');
  call('GET', '/v1/verifications/' + encodeURIComponent(id));
});

$('cancel').addEventListener('click', () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('cancel', 'skipped', 'Send a code first: the verification id goes here.');
  call('DELETE', '/v1/verifications/' + encodeURIComponent(id));
});

$('clear').addEventListener('click', async () => {
  await fetch('/_local/outbox', { method: 'DELETE' });
  refresh();
});

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(messages) {
  list.replaceChildren();
  outboxState.textContent = messages.length === 0
    ? 'Empty. Send a code and it shows up here within a second.'
    : messages.length + (messages.length === 1 ? ' message' : ' messages') + ', newest first.';
  for (const message of messages.slice().reverse()) {
    const item = element('li', 'message');
    const head = element('div', 'head');
    head.append(
      element('span', 'badge ' + message.channel, message.channel),
      element('span', 'to', message.to),
      element('time', 'time', new Date(message.sentAt).toLocaleTimeString()),
    );
    item.append(head);
    const code = (/(?<![0-9A-Za-z])([0-9A-Z]{4,10})(?![0-9A-Za-z])/.exec(message.body) || [])[1];
    const useCode = () => {
      checkForm.id.value = message.verificationId || checkForm.id.value;
      checkForm.code.value = code;
      checkForm.code.focus();
    };
    (SHOW[message.channel] || plain)(item, message, code, useCode);
    list.append(item);
  }
}

/** How each channel looks on a phone: a new channel gets its own entry, or the plain text. */
function plain(item, message, code, useCode) {
  if (message.subject) item.append(element('div', 'subject', message.subject));
  item.append(element('pre', 'body', message.body));
  if (code) {
    const use = element('button', 'link', 'Use code ' + code);
    use.type = 'button';
    use.addEventListener('click', useCode);
    item.append(use);
  }
}

function whatsapp(item, message, code, useCode) {
  const bubble = element('div', 'wa-bubble');
  bubble.append(element('div', 'wa-text', message.body));
  if (code) {
    const copy = element('button', 'wa-copy', 'Copy code');
    copy.type = 'button';
    copy.addEventListener('click', () => {
      if (navigator.clipboard) navigator.clipboard.writeText(code).catch(() => {});
      useCode();
      copy.textContent = 'Copied';
    });
    bubble.append(copy);
  }
  item.append(bubble);
}

function push(item, message, code, useCode) {
  const card = element('div', 'push-card');
  const top = element('div', 'push-top');
  top.append(element('span', 'push-app', 'NOTIFICATION'), element('span', 'push-when', 'now'));
  card.append(top, element('div', 'push-title', message.subject || ''), element('div', 'push-body', message.body));
  if (code) {
    card.addEventListener('click', useCode);
    card.title = 'Use code ' + code;
  }
  item.append(card);
}

const SHOW = { whatsapp, push };

let last = '';
async function refresh() {
  try {
    const response = await fetch('/_local/outbox', { cache: 'no-store' });
    const text = await response.text();
    if (text !== last) {
      last = text;
      render(JSON.parse(text).messages);
    }
  } catch {
    last = '';
    outboxState.textContent = 'Local mode is not answering (stopped?). Retrying every second.';
  }
}
refresh();
setInterval(refresh, 1000);
`;

const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1b1f24; --muted: #5f6b7a; --line: #dde2e8;
  --accent: #2457d6; --good: #137a3a; --bad: #b42318; --code: #f1f3f6; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1a1f25; --ink: #e6e9ed; --muted: #98a2b0;
  --line: #2c333c; --accent: #7aa2ff; --good: #5fd38a; --bad: #ff8a80; --code: #232a32; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { padding: 20px 28px 8px; }
h1 { margin: 0; font-size: 22px; }
h1 .tag { font-size: 12px; font-weight: 600; vertical-align: middle; padding: 2px 8px; margin-left: 6px;
  border-radius: 999px; background: var(--accent); color: #fff; }
header p { margin: 6px 0 0; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 20px; padding: 16px 28px 28px; }
@media (max-width: 820px) { main { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; min-width: 0; }
h2 { font-size: 15px; margin: 4px 0 10px; }
h2 + form, form + h2 { margin-top: 0; }
form { display: grid; grid-template-columns: 1fr auto; gap: 8px 10px; align-items: end; margin-bottom: 18px; }
label { display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
label.wide { grid-column: 1 / -1; }
input, select, button { font: inherit; color: inherit; }
input, select { width: 100%; height: 36px; padding: 0 9px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
input[readonly] { color: var(--muted); }
button { height: 36px; padding: 0 14px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff;
  cursor: pointer; white-space: nowrap; }
button.secondary { background: transparent; color: var(--accent); }
button.link { height: auto; border: 0; background: none; color: var(--accent); padding: 6px 0 0; font-size: 13px; }
.buttons { grid-column: 1 / -1; display: flex; gap: 8px; }
#answer-title { font-size: 13px; margin: 0 0 6px; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, Consolas, monospace; }
#answer-title.good { color: var(--good); } #answer-title.bad { color: var(--bad); }
pre { margin: 0; padding: 10px 12px; background: var(--code); border-radius: 6px; overflow-x: auto;
  font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.row { display: flex; justify-content: space-between; align-items: center; margin-bottom: 6px; }
.row h2 { margin: 0; }
#outbox-state { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
.message { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.head { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; font-size: 13px; }
.to { font-family: ui-monospace, Menlo, Consolas, monospace; }
.time { margin-left: auto; color: var(--muted); }
.subject { font-weight: 600; margin-bottom: 4px; }
.badge { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 1px 7px;
  border-radius: 4px; background: var(--code); color: var(--muted); }
.badge.sms { color: var(--accent); } .badge.email { color: var(--good); } .badge.voice { color: #a15c00; }
.badge.whatsapp { color: #128c4b; }
.wa-bubble { max-width: 320px; background: #dcf8c6; color: #111b21; border-radius: 8px 8px 8px 0; padding: 8px 10px 0;
  box-shadow: 0 1px 1px rgba(0,0,0,.15); }
.wa-text { white-space: pre-wrap; font-size: 14px; padding-bottom: 8px; }
.badge.push { color: #7c3aed; }
.push-card { max-width: 340px; background: rgba(245,245,247,.92); color: #1d1d1f; border-radius: 14px; padding: 10px 12px;
  box-shadow: 0 2px 8px rgba(0,0,0,.12); cursor: pointer; }
.push-top { display: flex; justify-content: space-between; font-size: 11px; color: #6e6e73; letter-spacing: .03em; }
.push-title { font-weight: 600; font-size: 14px; margin-top: 4px; }
.push-body { font-size: 14px; }
.wa-copy { display: block; width: 100%; height: 34px; border: 0; border-top: 1px solid rgba(0,0,0,.1); border-radius: 0;
  background: transparent; color: #027eb5; font-weight: 600; }
`;

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onetime · local mode</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>onetime <span class="tag">local mode</span></h1>
  <p>Nothing leaves this machine: every SMS, email, voice call, WhatsApp message and push notification lands in the outbox.</p>
</header>
<main>
  <section class="card">
    <h2>1. Send a code</h2>
    <form id="start-form" autocomplete="off">
      <label>To (phone number, email, or push endpoint ARN)<input name="to" value="+14155550123" required></label>
      <label>Channel<select name="channel">${CHANNELS.map((channel) => `<option>${channel}</option>`).join('')}</select></label>
      <div class="buttons"><button type="submit">Send code</button></div>
    </form>
    <h2>2. Check it</h2>
    <form id="check-form" autocomplete="off">
      <label class="wide">Verification id<input name="id" readonly placeholder="filled in when a code is sent"></label>
      <label class="wide">Code<input name="code" autocapitalize="characters" spellcheck="false" placeholder="from the outbox"></label>
      <div class="buttons">
        <button type="submit">Check code</button>
        <button type="button" class="secondary" id="status">Status</button>
        <button type="button" class="secondary" id="cancel">Cancel</button>
      </div>
    </form>
    <h2>Answer</h2>
    <p id="answer-title">No request yet.</p>
    <pre id="answer">The API's JSON answers show up here.</pre>
  </section>
  <section class="card">
    <div class="row"><h2>Outbox</h2><button type="button" class="secondary" id="clear">Clear</button></div>
    <p id="outbox-state">Loading…</p>
    <ol id="messages"></ol>
  </section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(PAGE_SCRIPT)}'`,
  `style-src 'sha256-${sha256(PAGE_STYLE)}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
