/**
 * The script of the /_local/ page (served inline, allowed by its hash): the forms, the verification
 * at hand (status, expiry and resend countdowns, resend, its cascade steps), the outbox and the
 * events, polled every second. Everything shown goes through textContent.
 */
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
const KINDS = Object.fromEntries(CHANNELS.map((channel) => [channel, CHANNEL_TRAITS[channel].destination]));

export const PAGE_SCRIPT = String.raw`
'use strict';
const $ = (id) => document.getElementById(id);
const startForm = $('start-form');
const checkForm = $('check-form');
const answer = $('answer');
const answerTitle = $('answer-title');
const notice = $('notice');
const list = $('messages');
const outboxState = $('outbox-state');
const eventList = $('events');
const eventsState = $('events-state');
const EXAMPLES = ${JSON.stringify(EXAMPLES)};
const KINDS = ${JSON.stringify(KINDS)};
const STEP_WORDS = { sms: 'SMS', email: 'email', voice: 'voice call', whatsapp: 'WhatsApp message', push: 'push notification' };

/** The verification at hand: what the last start answered, then what GET says. */
let current = null;
let waitUntil = 0;
let waitReason = '';

function show(label, status, body) {
  answerTitle.textContent = label + ' \u2192 ' + status;
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
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after')) || 1;
      waitUntil = Date.now() + seconds * 1000;
      waitReason = (parsed && parsed.error && (parsed.error.reason || parsed.error.code)) || 'rate_limited';
      tick();
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    show(label, 'no answer', String(error));
    return undefined;
  }
}

/** m:ss, never negative. */
function clock(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return Math.floor(seconds / 60) + ':' + String(seconds % 60).padStart(2, '0');
}

startForm.channel.addEventListener('change', () => {
  const channel = startForm.channel.value;
  const to = startForm.to.value.trim();
  startForm.to.placeholder = 'e.g. ' + EXAMPLES[channel];
  // A phone number makes no sense for email (nor an address for sms): clear it, unless it was the example.
  if (Object.values(EXAMPLES).includes(to)) startForm.to.value = EXAMPLES[channel];
  else if (to !== '' && startForm.to.dataset.kind !== KINDS[channel]) startForm.to.value = '';
  startForm.to.dataset.kind = KINDS[channel];
});
startForm.to.dataset.kind = KINDS[startForm.channel.value];

async function start() {
  const result = await call('POST', '/v1/verifications', { to: startForm.to.value, channel: startForm.channel.value });
  if (result && result.status === 429 && current && current.status === 'pending') {
    // The cooldown holds (a cascade step may have just gone out): resend waits as long as it says.
    current.resendAvailableAt = new Date(waitUntil).toISOString();
  }
  if (result && result.body && typeof result.body.id === 'string') {
    const same = current && current.id === result.body.id;
    current = Object.assign(same ? current : {}, result.body);
    if (result.status === 201) current.firstResendAt = result.body.resendAvailableAt;
    checkForm.id.value = result.body.id;
    if (!same) checkForm.code.value = '';
    checkForm.code.focus();
    poll();
  }
  refresh();
}
startForm.addEventListener('submit', (event) => { event.preventDefault(); start(); });
$('resend').addEventListener('click', start);

checkForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = checkForm.id.value.trim();
  if (id === '') return show('check', 'skipped', 'Send a code first: the verification id goes here.');
  await call('POST', '/v1/verifications/' + encodeURIComponent(id) + '/check', { code: checkForm.code.value });
  poll();
});

$('status').addEventListener('click', async () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('status', 'skipped', 'Send a code first: the verification id goes here.');
  await call('GET', '/v1/verifications/' + encodeURIComponent(id));
  poll();
});

$('cancel').addEventListener('click', async () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('cancel', 'skipped', 'Send a code first: the verification id goes here.');
  await call('DELETE', '/v1/verifications/' + encodeURIComponent(id));
  poll();
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

/** The verification at hand, read without touching the Answer panel (its cascade steps, its status). */
async function poll() {
  if (!current) return;
  try {
    const response = await fetch('/v1/verifications/' + encodeURIComponent(current.id), { cache: 'no-store' });
    if (response.ok) {
      const read = await response.json();
      Object.assign(current, read);
      // The cooldown, in the service's own times; every cascade step that goes out starts it again.
      const cooldown = Date.parse(current.firstResendAt) - Date.parse(read.createdAt) || 0;
      for (const step of read.cascade || []) {
        const after = Date.parse(step.at) + cooldown;
        if (step.status === 'sent' && after > Date.parse(current.resendAvailableAt)) current.resendAvailableAt = new Date(after).toISOString();
      }
    }
    else if (response.status === 404) current.status = 'gone';
  } catch {}
  tick();
  last = '';
  refresh();
}

/** The countdowns and the verification panel, every second. */
function tick() {
  const now = Date.now();
  if (waitUntil > now) {
    notice.hidden = false;
    notice.textContent = 'Rate limited (' + waitReason + '): wait ' + Math.ceil((waitUntil - now) / 1000) + ' s before asking again.';
  } else if (waitUntil) {
    notice.textContent = 'You can ask again now.';
    waitUntil = 0;
  }
  const panel = $('verification');
  if (!current) { panel.hidden = true; return; }
  panel.hidden = false;
  $('v-id').textContent = current.id;
  $('v-status').textContent = current.status + ' \u00b7 ' + current.channel + ' to ' + current.to;
  const pending = current.status === 'pending';
  const expires = Date.parse(current.expiresAt) - now;
  $('expiry').textContent = !pending ? 'Closed: ' + current.status + '.' : expires > 0 ? 'Expires in ' + clock(expires) : 'Expired.';
  const resendAt = Date.parse(current.resendAvailableAt || 0) - now;
  const resend = $('resend');
  resend.disabled = !pending || resendAt > 0;
  $('resend-in').textContent = !pending ? '' : resendAt > 0 ? 'Resend possible in ' + clock(resendAt) : 'You can resend now (same id, same code).';
  const steps = $('cascade');
  steps.replaceChildren();
  for (const step of current.cascade || []) {
    const words = (STEP_WORDS[step.channel] || step.channel) + ' to ' + step.to + ' after ' + step.afterSeconds + ' s: ';
    let state = step.status;
    if (step.status === 'sent') state = 'went out at ' + new Date(step.at).toLocaleTimeString() + ' \u2713';
    else if (step.status === 'skipped') state = 'skipped (' + step.reason + ')';
    const item = element('li', 'step ' + step.status, words + state);
    item.dataset.status = step.status;
    steps.append(item);
  }
  $('cascade-title').hidden = (current.cascade || []).length === 0;
}
setInterval(tick, 1000);
setInterval(() => { if (current && current.status === 'pending') poll(); }, 2000);

/** What a message is, for the verification at hand: its first send, a resend, or a cascade step. */
function role(message, ofCurrent) {
  if (ofCurrent.indexOf(message) === 0) return 'first send';
  const at = Date.parse(message.sentAt);
  const step = (current.cascade || []).find((s) => s.status === 'sent' && s.channel === message.channel && Math.abs(Date.parse(s.at) - at) < 5000);
  if (step) return step.channel === 'voice' ? 'fallback call' : 'cascade step';
  return 'resend';
}

/**
 * The code in a message: a word of 4-10 digits or capitals, or (a voice call) symbols read one by one,
 * "4 8 2 …" or, through Notify, "4. 8. 2. …".
 */
function codeOf(message) {
  if (message.channel === 'voice') {
    const spoken = /(?:^|[\s:])((?:[0-9A-Z]\.? ){3,9}[0-9A-Z])\./.exec(message.body);
    if (spoken) return spoken[1].replace(/[. ]/g, '');
  }
  return (/(?<![0-9A-Za-z])([0-9A-Z]{4,10})(?![0-9A-Za-z])/.exec(message.body) || [])[1];
}

function render(messages) {
  list.replaceChildren();
  outboxState.textContent = messages.length === 0
    ? 'Empty. Send a code and it shows up here within a second.'
    : messages.length + (messages.length === 1 ? ' message' : ' messages') + ', newest first.';
  const ofCurrent = current ? messages.filter((m) => m.verificationId === current.id) : [];
  for (const message of messages.slice().reverse()) {
    const mine = ofCurrent.includes(message);
    const item = element('li', 'message' + (mine ? ' current' : ''));
    item.dataset.channel = message.channel;
    item.dataset.verificationId = message.verificationId || '';
    const head = element('div', 'head');
    head.append(element('span', 'badge ' + message.channel, message.channel), element('span', 'to', message.to));
    if (mine) head.append(element('span', 'mine', 'this verification \u00b7 ' + role(message, ofCurrent)));
    head.append(element('time', 'time', new Date(message.sentAt).toLocaleTimeString()));
    item.append(head);
    const sent = deployed(message);
    if (sent) item.append(sent);
    const code = codeOf(message);
    const useCode = () => {
      checkForm.id.value = message.verificationId || checkForm.id.value;
      checkForm.code.value = code;
      checkForm.code.focus();
    };
    (SHOW[message.channel] || plain)(item, message, code, useCode);
    list.append(item);
  }
}

const PROVIDER_WORDS = {
  sns: 'Amazon SNS',
  'end-user-messaging': 'AWS End User Messaging',
  notify: 'AWS End User Messaging Notify',
  ses: 'Amazon SES',
  'end-user-messaging-social': 'AWS End User Messaging Social',
};

/** What a deployed send of the message would be: its provider, API call, and what it names. */
function deployed(message) {
  if (!message.provider) return null;
  const send = message.deployedSend || {};
  const box = element('dl', 'deployed');
  box.dataset.provider = message.provider;
  const add = (term, value) => {
    if (value === undefined) return;
    const row = element('div', 'pair');
    row.append(element('dt', '', term), element('dd', '', value));
    box.append(row);
  };
  add('Deployed', (PROVIDER_WORDS[message.provider] || message.provider) + ' \u00b7 ' + send.operation);
  add('From', send.originationIdentity);
  add('Configuration set', send.configurationSetName);
  if (send.protectConfigurationId !== undefined) {
    add('Protect configuration', send.protectConfigurationId + (send.protectRule ? ' \u00b7 ' + send.protectRule + ' here, BLOCK elsewhere' : ''));
  }
  add('Notify configuration', send.notifyConfigurationId);
  if ('templateId' in send) add('Template', send.templateId === null ? "the configuration's default" : send.templateId);
  if (send.templateVariables) {
    add('Variables', Object.keys(send.templateVariables).map((k) => k + ' = ' + send.templateVariables[k]).join(', '));
  }
  add('Voice', send.voiceId);
  if (message.feedback) {
    add('Feedback', message.feedback.receivedAt ? 'reported received (code approved)' : 'asked for; reported when the code is approved');
  }
  if (message.approximateBody) {
    box.append(element('p', 'approx', "Approximate text: Notify's templates are AWS's; aws pinpoint-sms-voice-v2 describe-notify-templates shows their exact wording."));
  }
  return box;
}

function useButton(code, useCode) {
  const use = element('button', 'link use', 'Use code ' + code);
  use.type = 'button';
  use.addEventListener('click', useCode);
  return use;
}

/** How each channel looks on a phone: a new channel gets its own entry, or the plain text. */
function plain(item, message, code, useCode) {
  if (message.subject) item.append(element('div', 'subject', message.subject));
  item.append(element('pre', 'body', message.body));
  if (code) item.append(useButton(code, useCode));
}

function voice(item, message, code, useCode) {
  item.append(element('div', 'call', '\u260e Call to ' + message.to + ' (what the caller hears):'));
  plain(item, message, code, useCode);
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
  if (code) item.append(useButton(code, useCode));
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
  if (code) item.append(useButton(code, useCode));
}

const SHOW = { whatsapp, push, voice };

function renderEvents(events) {
  eventList.replaceChildren();
  eventsState.textContent = events.length === 0
    ? 'No status change yet: approvals, cancellations and expiries show up here, as EventBridge gets them.'
    : events.length + (events.length === 1 ? ' event' : ' events') + ', newest first.';
  for (const event of events.slice().reverse().slice(0, 50)) {
    const mine = current && event.verificationId === current.id;
    const item = element('li', 'event' + (mine ? ' current' : ''));
    item.dataset.status = event.status;
    item.append(
      element('time', 'time', new Date(event.at).toLocaleTimeString()),
      element('span', 'status ' + event.status, event.status),
      element('span', 'channel', event.channel),
      element('span', 'to', event.verificationId),
    );
    eventList.append(item);
  }
}

let last = '';
let lastEvents = '';
async function refresh() {
  try {
    const [outbox, events] = await Promise.all([
      fetch('/_local/outbox', { cache: 'no-store' }).then((r) => r.text()),
      fetch('/_local/events', { cache: 'no-store' }).then((r) => r.text()),
    ]);
    if (outbox !== last) {
      last = outbox;
      render(JSON.parse(outbox).messages);
    }
    if (events !== lastEvents) {
      lastEvents = events;
      renderEvents(JSON.parse(events).events);
    }
  } catch {
    last = '';
    outboxState.textContent = 'Local mode is not answering (stopped?). Retrying every second.';
  }
}
refresh();
setInterval(refresh, 1000);
`;
