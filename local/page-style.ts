/**
 * The style of the /_local/ page, light and dark. Every text colour meets WCAG AA (4.5:1) on the
 * background it sits on, in both schemes: test/e2e/page.test.ts measures it in Chromium.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1b1f24; --muted: #56606d; --line: #dde2e8;
  --placeholder: #6b5d86; --accent: #2457d6; --on-accent: #fff; --good: #137a3a; --bad: #b42318; --code: #eef1f5;
  --sms: #2457d6; --email: #137a3a; --voice: #8a4d00; --whatsapp: #0f6e3b; --push: #6d28d9; --mine: #fff6d6; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1a1f25; --ink: #e6e9ed; --muted: #a3adba;
  --line: #2c333c; --placeholder: #c3a8f0; --accent: #7aa2ff; --on-accent: #0b1220; --good: #5fd38a; --bad: #ff8a80;
  --code: #232a32; --sms: #8fb0ff; --email: #6fdc98; --voice: #f0b35a; --whatsapp: #5fd38a; --push: #c4a5ff; --mine: #2e2a18; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { padding: 20px 28px 8px; }
h1 { margin: 0; font-size: 22px; }
h1 .tag { font-size: 12px; font-weight: 600; vertical-align: middle; padding: 2px 8px; margin-left: 6px;
  border-radius: 999px; background: var(--accent); color: var(--on-accent); }
header p { margin: 6px 0 0; color: var(--muted); }
nav { margin-top: 6px; display: flex; gap: 16px; font-size: 14px; flex-wrap: wrap; }
a { color: var(--accent); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 20px; padding: 16px 28px 28px; }
@media (max-width: 820px) { main { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
h2 { font-size: 15px; margin: 4px 0 10px; }
h3 { font-size: 14px; margin: 10px 0 4px; }
form { display: grid; grid-template-columns: 1fr auto; gap: 8px 10px; align-items: end; margin-bottom: 18px; }
label { display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
label.wide { grid-column: 1 / -1; }
input, select, button { font: inherit; }
input, select { width: 100%; height: 36px; padding: 0 9px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--ink); }
input::placeholder { color: var(--placeholder); font-style: italic; opacity: 1; }
input[readonly] { border-style: dashed; }
button { height: 36px; padding: 0 14px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent);
  color: var(--on-accent); cursor: pointer; white-space: nowrap; }
button.secondary { background: transparent; color: var(--accent); }
button:disabled { cursor: not-allowed; background: transparent; color: var(--muted); border-color: var(--line); }
button.link { height: auto; border: 0; background: none; color: var(--accent); padding: 6px 0 0; font-size: 13px; }
.buttons { grid-column: 1 / -1; display: flex; gap: 8px; flex-wrap: wrap; }
#notice { margin: 0 0 12px; padding: 8px 10px; border-radius: 6px; background: var(--code); color: var(--bad); font-weight: 600; }
#verification { margin: 0 0 16px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; }
#verification p { margin: 2px 0; font-size: 14px; }
#v-id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.countdowns { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
#cascade { margin: 0; padding-left: 18px; font-size: 13px; }
.step.sent { color: var(--good); } .step.skipped, .step.failed { color: var(--bad); }
#answer-title { font-size: 13px; margin: 0 0 6px; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, Consolas, monospace; }
#answer-title.good { color: var(--good); } #answer-title.bad { color: var(--bad); }
pre { margin: 0; padding: 10px 12px; background: var(--code); color: var(--ink); border-radius: 6px; overflow-x: auto;
  font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.row { display: flex; justify-content: space-between; align-items: center; margin-bottom: 6px; }
.row h2 { margin: 0; }
#outbox-state, #events-state { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
.message { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.message.current { border-color: var(--accent); box-shadow: inset 3px 0 0 var(--accent); }
.head { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; font-size: 13px; flex-wrap: wrap; }
.mine { font-size: 12px; font-weight: 600; padding: 1px 7px; border-radius: 4px; background: var(--mine); color: var(--ink); }
.to { font-family: ui-monospace, Menlo, Consolas, monospace; }
.time { margin-left: auto; color: var(--muted); }
.subject { font-weight: 600; margin-bottom: 4px; }
.deployed { margin: 0 0 6px; display: grid; gap: 1px; font-size: 12px; color: var(--muted); }
.deployed .pair { display: flex; gap: 6px; flex-wrap: wrap; }
.deployed dt { font-weight: 600; } .deployed dt::after { content: ':'; }
.deployed dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.deployed .approx { margin: 2px 0 0; font-style: italic; }
.call { font-size: 13px; color: var(--muted); margin-bottom: 4px; }
.badge { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 1px 7px;
  border-radius: 4px; background: var(--code); color: var(--muted); }
.badge.sms { color: var(--sms); } .badge.email { color: var(--email); } .badge.voice { color: var(--voice); }
.badge.whatsapp { color: var(--whatsapp); } .badge.push { color: var(--push); }
.wa-bubble { max-width: 320px; background: #dcf8c6; color: #111b21; border-radius: 8px 8px 8px 0; padding: 8px 10px 0;
  box-shadow: 0 1px 1px rgba(0,0,0,.15); }
.wa-text { white-space: pre-wrap; font-size: 14px; padding-bottom: 8px; }
.wa-copy { display: block; width: 100%; height: 34px; border: 0; border-top: 1px solid rgba(0,0,0,.1); border-radius: 0;
  background: transparent; color: #005c8a; font-weight: 600; }
.push-card { max-width: 340px; background: #f5f5f7; color: #1d1d1f; border-radius: 14px; padding: 10px 12px;
  box-shadow: 0 2px 8px rgba(0,0,0,.12); cursor: pointer; }
.push-top { display: flex; justify-content: space-between; font-size: 11px; color: #5c5c61; letter-spacing: .03em; }
.push-title { font-weight: 600; font-size: 14px; margin-top: 4px; }
.push-body { font-size: 14px; }
.event { display: flex; gap: 12px; font-size: 13px; align-items: baseline; flex-wrap: wrap; }
.event .time { margin-left: 0; }
.event.current { font-weight: 600; }
.status { font-weight: 700; }
.status.approved { color: var(--good); } .status.canceled, .status.expired, .status.max_attempts_reached,
.status.delivery_failed { color: var(--bad); }
`;
