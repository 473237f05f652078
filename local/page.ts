/**
 * The /_local/ page of local mode: the outbox, the events, and a form to try a verification.
 * Self-contained (no external assets); everything shown goes through textContent; the CSP allows
 * only its own script and style, by hash. Script: ./page-script.ts; style: ./page-style.ts.
 */
import { createHash } from 'node:crypto';
import { CHANNELS } from '../functions/core/verification.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

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
  <nav><a href="/_local/openapi.yaml" id="api-doc">API document (OpenAPI)</a><a href="/_local/outbox">outbox as JSON</a><a href="/_local/events">events as JSON</a></nav>
</header>
<main>
  <section class="card">
    <h2>1. Send a code</h2>
    <form id="start-form" autocomplete="off">
      <label>To (phone number, email, or push endpoint ARN)<input name="to" value="+14155550123" placeholder="e.g. +14155550123" required></label>
      <label>Channel<select name="channel">${CHANNELS.map((channel) => `<option>${channel}</option>`).join('')}</select></label>
      <div class="buttons"><button type="submit">Send code</button></div>
    </form>
    <p id="notice" role="status" hidden></p>
    <div id="verification" hidden>
      <p id="v-status"></p>
      <p id="v-id"></p>
      <div class="countdowns"><p id="expiry"></p><p id="resend-in"></p>
        <button type="button" class="secondary" id="resend" disabled>Resend</button></div>
      <h3 id="cascade-title" hidden>Cascade</h3>
      <ol id="cascade"></ol>
    </div>
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
  <section class="card wide">
    <h2>Events</h2>
    <p id="events-state">Loading…</p>
    <ol id="events"></ol>
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
