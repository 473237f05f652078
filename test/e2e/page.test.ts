/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocalMode } from '../../local/server.ts';

/**
 * The /_local/ page as a person uses it, in headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core; .ci/run installs it): send, read the outbox, use the code, check, cancel; the
 * countdowns, resend, the 429 wait, the cascade's fallback call, the events; and WCAG AA contrast of
 * every text, in the light and the dark colour scheme, measured from computed styles.
 */
function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      "Chromium not found: the page test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it) or CHROMIUM_PATH.",
    );
  }
}

/** Local mode with `env`, and the page open in headless Chromium, loaded without a script error. */
async function openLocalPage(
  env: Record<string, string>,
): Promise<{ local: LocalMode; browser: Browser; page: Page }> {
  const executablePath = chromiumPath();
  const [local, browser] = await Promise.all([
    startLocalMode({ port: 0, quiet: true, env }),
    puppeteer.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    }),
  ]);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${local.url}/_local/`);
  await page.waitForFunction(
    () => !document.getElementById('outbox-state')?.textContent?.startsWith('Loading'),
  );
  expect(errors).toEqual([]);
  return { local, browser, page };
}

/** What a message's "deployed send" panel says, one "term: value" a row, and the provider it names. */
const deployedOf = (page: Page, selector: string) =>
  page.$eval(selector, (message) => {
    const box = message.querySelector('.deployed') as HTMLElement | null;
    return {
      provider: box?.dataset['provider'],
      rows: [...(box?.querySelectorAll('dt') ?? [])].map(
        (term) => `${term.textContent}: ${term.nextElementSibling?.textContent}`,
      ),
      approximate: box?.querySelector('.approx')?.textContent ?? null,
    };
  });

// A browser, local mode and DynamoDB Local share the cores with the rest of the suite: a test's steps
// get generous bounds, so a busy machine slows them down without failing them.
/** Waits (30 s at most) until the text of `selector` on the page matches `pattern`. */
const waitForText = (page: Page, selector: string, pattern: RegExp) =>
  page.waitForFunction(
    (s, source) => new RegExp(source).test(document.querySelector(s)?.textContent ?? ''),
    { timeout: 30_000 },
    selector,
    pattern.source,
  );

describe('the /_local/ page in Chromium', { timeout: 90_000 }, () => {
  let local: LocalMode;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // A fallback call 2 s after an SMS and a 3 s cooldown, so the page shows them within the test.
    ({ local, browser, page } = await openLocalPage({
      OTP_VOICE_FALLBACK_SECONDS: '2',
      OTP_RESEND_COOLDOWN_SECONDS: '3',
    }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
  });

  const text = (selector: string) => page.$eval(selector, (node) => node.textContent ?? '');
  const waitText = (selector: string, pattern: RegExp) => waitForText(page, selector, pattern);
  const answer = async () => JSON.parse(await text('#answer')) as Record<string, unknown>;

  it('switching channel clears a typed phone number, and puts the example in its place', async () => {
    await page.$eval('input[name=to]', (input) => {
      (input as HTMLInputElement).value = '';
    });
    await page.type('input[name=to]', '+1 212 555 0100');
    await page.select('select[name=channel]', 'email');
    expect(await page.$eval('input[name=to]', (i) => (i as HTMLInputElement).value)).toBe('');
    expect(await page.$eval('input[name=to]', (i) => (i as HTMLInputElement).placeholder)).toBe(
      'e.g. ana@example.com',
    );
    await page.type('input[name=to]', 'ana@example.com');
    await page.select('select[name=channel]', 'sms');
    expect(await page.$eval('input[name=to]', (i) => (i as HTMLInputElement).value)).toBe('+14155550123');
  });

  it('sends an SMS, shows expiry and resend countdowns, a 429 with its wait, the fallback call, and approves with its code', async () => {
    await page.click('#start-form button[type=submit]');
    await waitText('#answer-title', /POST \/v1\/verifications → 201/);
    const id = String((await answer())['id']);
    expect(await page.$eval('input[name=id]', (i) => (i as HTMLInputElement).value)).toBe(id);
    await waitText('#expiry', /^Expires in [45]:\d\d$/);
    expect(await text('#resend-in')).toMatch(/^Resend possible in 0:0[1-3]$/);
    expect(await page.$eval('#resend', (b) => (b as HTMLButtonElement).disabled)).toBe(true);

    // Asking again at once: a 429, and the page says how long to wait.
    await page.click('#start-form button[type=submit]');
    await waitText('#answer-title', /→ 429/);
    expect(await text('#notice')).toMatch(/^Rate limited \(cooldown\): wait [1-3] s before asking again\.$/);

    // The outbox shows the SMS, marked as this verification's.
    await waitText('#messages', /this verification · first send/);
    const first = await page.$eval(
      '#messages .message.current',
      (m) => (m as HTMLElement).dataset['channel'],
    );
    expect(first).toBe('sms');
    // What a deployed send would be: SNS, as deployed by default.
    expect(await deployedOf(page, '#messages .message.current[data-channel=sms]')).toEqual({
      provider: 'sns',
      rows: ['Deployed: Amazon SNS · Publish'],
      approximate: null,
    });

    // The fallback call goes out 2 s later: the cascade says so, and its message is marked.
    await waitText('#cascade', /voice call to \+1\*+23 after 2 s: went out at .+ ✓/);
    await waitText('#messages', /this verification · fallback call/);
    expect(await deployedOf(page, '#messages .message.current[data-channel=voice]')).toMatchObject({
      provider: 'end-user-messaging',
      rows: [
        'Deployed: AWS End User Messaging · SendVoiceMessage',
        'From: (your voice.originationIdentity)',
        'Configuration set: (made by cdk deploy)',
        'Protect configuration: (made by cdk deploy) · FILTER here, BLOCK elsewhere',
        'Voice: JOANNA',
        'Feedback: asked for; reported when the code is approved',
      ],
    });

    // Resend once the cooldown is over (the call started it again): same id.
    await page
      .waitForFunction(() => !(document.getElementById('resend') as HTMLButtonElement).disabled, {
        timeout: 30_000,
      })
      .catch(async (error) => {
        throw new Error(`${error}: ${await text('#verification')} ${await text('#answer')}`);
      });
    expect(await text('#resend-in')).toBe('You can resend now (same id, same code).');
    await page.click('#resend');
    await waitText('#answer-title', /POST \/v1\/verifications → 200/).catch(async (error) => {
      throw new Error(
        `${error}: ${await text('#answer-title')} ${await text('#answer')} ${await text('#resend-in')}`,
      );
    });
    expect((await answer())['id']).toBe(id);
    await waitText('#messages', /this verification · resend/).catch(async (error) => {
      throw new Error(`${error}: ${await text('#messages')} / ${await text('#answer')}`);
    });

    // "Use code" on the voice call fills the form; checking approves.
    const voice = await page.$('#messages .message.current[data-channel=voice] button.use');
    expect(voice, 'the voice call has a "Use code" button').not.toBeNull();
    await voice!.click();
    expect(await page.$eval('input[name=code]', (i) => (i as HTMLInputElement).value)).toMatch(/^\d{6}$/);
    await page.click('#check-form button[type=submit]');
    await waitText('#answer-title', /\/check → 200/);
    expect(await answer()).toMatchObject({ id, status: 'approved', valid: true });
    await waitText('#expiry', /^Closed: approved\.$/);

    // The events view shows the approval, taken from the table's stream.
    await waitText('#events', /approved/);
    expect(await page.$eval('#events .event.current', (e) => (e as HTMLElement).dataset['status'])).toBe(
      'approved',
    );
  }, 90_000);

  it('sends an email, reads the status, and cancels it', async () => {
    await page.select('select[name=channel]', 'email');
    await page.click('#start-form button[type=submit]');
    await waitText('#answer-title', /POST \/v1\/verifications → 201/);
    const id = String((await answer())['id']);
    await waitText('#messages', /this verification · first send/);
    expect(await page.$eval('#messages .message.current', (m) => (m as HTMLElement).dataset['channel'])).toBe(
      'email',
    );
    await page.click('#status');
    await waitText('#answer-title', /^GET .+ → 200$/);
    expect(await answer()).toMatchObject({ id, status: 'pending', channel: 'email' });
    await page.click('#cancel');
    await waitText('#answer-title', /^DELETE .+ → 200$/);
    expect(await answer()).toEqual({ id, status: 'canceled' });
    await waitText('#expiry', /^Closed: canceled\.$/);
  });

  it('links the API document, which local mode serves', async () => {
    const href = await page.$eval('#api-doc', (a) => (a as HTMLAnchorElement).href);
    const response = await fetch(href);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^openapi: 3\.1/);
  });

  it('every text meets WCAG AA contrast in both colour schemes, placeholders apart from typed values', async () => {
    // Every kind of message on the page: WhatsApp bubble, push card, email, SMS, voice call.
    for (const [channel, to] of [
      ['whatsapp', '+14155550131'],
      [
        'push',
        'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/onetime-local/0f6c9a3e-5b1d-4c2e-9f7a-2d8b1e4c6a10',
      ],
    ]) {
      await page.select('select[name=channel]', channel!);
      await page.$eval(
        'input[name=to]',
        (input, value) => {
          (input as HTMLInputElement).value = value;
        },
        to!,
      );
      await page.click('#start-form button[type=submit]');
      await waitText('#answer-title', /POST \/v1\/verifications → 20[01]/);
    }
    await page.waitForSelector('.wa-bubble');
    await page.waitForSelector('.push-card');
    await page.$eval('input[name=code]', (input) => {
      (input as HTMLInputElement).value = '';
    });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      const report = await page.evaluate(measureContrast);
      expect(report.checked, scheme).toBeGreaterThan(40);
      expect(report.failures, `${scheme}: texts under 4.5:1`).toEqual([]);
      expect(report.placeholder.ratio, `${scheme} placeholder`).toBeGreaterThanOrEqual(4.5);
      expect(report.placeholder.color, `${scheme}: placeholder and typed text differ`).not.toBe(
        report.placeholder.typed,
      );
    }
  }, 90_000);
});

describe('the /_local/ page in Chromium, SMS and voice through Notify', { timeout: 90_000 }, () => {
  let local: LocalMode;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ local, browser, page } = await openLocalPage({
      OTP_APP_NAME: 'Acme',
      OTP_SMS_PROVIDER: 'notify',
      OTP_VOICE_PROVIDER: 'notify',
      OTP_NOTIFY_TEMPLATE_IDS: JSON.stringify({ en: 'notify-code-verification-english-001' }),
    }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
  });

  it("shows Notify's configuration, template and variables, says the text is approximate, and its code approves", async () => {
    await page.click('#start-form button[type=submit]');
    await page.waitForSelector('#messages .message.current[data-channel=sms] .deployed', { timeout: 30_000 });
    const shown = await deployedOf(page, '#messages .message.current[data-channel=sms]');
    const body = await page.$eval('#messages .message.current .body', (b) => b.textContent ?? '');
    const code = /^Your Acme verification code is (\d{6})\.$/.exec(body)?.[1];
    expect(code, body).toBeDefined();
    expect(shown).toEqual({
      provider: 'notify',
      rows: [
        'Deployed: AWS End User Messaging Notify · SendNotifyTextMessage',
        'Notify configuration: (made by cdk deploy)',
        'Template: notify-code-verification-english-001',
        `Variables: code = ${code}`,
        'Feedback: asked for; reported when the code is approved',
      ],
      approximate: expect.stringMatching(/^Approximate text: Notify's templates are AWS's/),
    });
    // The list is redrawn every second: click inside the page, in one step.
    await page.$eval('#messages .message.current button.use', (b) => (b as HTMLButtonElement).click());
    expect(await page.$eval('input[name=code]', (i) => (i as HTMLInputElement).value)).toBe(code);
    await page.click('#check-form button[type=submit]');
    await page.waitForFunction(() =>
      /\/check → 200/.test(document.getElementById('answer-title')?.textContent ?? ''),
    );
    expect(JSON.parse(await page.$eval('#answer', (a) => a.textContent ?? ''))).toMatchObject({
      valid: true,
    });
    // The activity stream reports the approved code's message to Notify, as deployed: the page shows it.
    await waitForText(page, '#messages', /Feedback\s*reported received \(code approved\)/);
  }, 90_000);

  it("a Notify call's digits read apart, and Use code takes them", async () => {
    await page.select('select[name=channel]', 'voice');
    await page.$eval('input[name=to]', (input) => {
      (input as HTMLInputElement).value = '+14155550124';
    });
    await page.click('#start-form button[type=submit]');
    await page.waitForSelector('#messages .message.current[data-channel=voice] button.use', {
      timeout: 30_000,
    });
    const body = await page.$eval(
      '#messages .message.current[data-channel=voice] .body',
      (b) => b.textContent ?? '',
    );
    expect(body).toMatch(/^Your Acme verification code is (\d\. ){5}\d\.$/);
    await page.$eval('#messages .message.current[data-channel=voice] button.use', (b) =>
      (b as HTMLButtonElement).click(),
    );
    expect(await page.$eval('input[name=code]', (i) => (i as HTMLInputElement).value)).toBe(
      body.replace(/\D/g, ''),
    );
  });

  it('the deployed-send panel and the approximate-text note meet WCAG AA in both colour schemes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      const report = await page.evaluate(measureContrast);
      expect(report.failures, `${scheme}: texts under 4.5:1`).toEqual([]);
      const panel = await page.$$eval(
        '.deployed dt, .deployed dd, .deployed .approx',
        (nodes) => nodes.length,
      );
      expect(panel).toBeGreaterThan(8);
    }
  });
});

/**
 * Runs in the page: the contrast of every visible element with text of its own against the
 * background it is drawn on (ancestors' backgrounds composited), and of the code input's placeholder.
 */
function measureContrast() {
  type Rgba = [number, number, number, number];
  const parse = (css: string): Rgba => {
    const parts = (css.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number);
    return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
  };
  const over = (top: Rgba, bottom: Rgba): Rgba => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i]! * a + bottom[i]! * (1 - a)).concat(1) as Rgba;
  };
  const background = (element: Element | null): Rgba => {
    const layers: Rgba[] = [];
    for (let node = element; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color[3] > 0) layers.push(color);
      if (color[3] >= 1) break;
    }
    let result: Rgba = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (result[3] < 1)
      result = matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0, 1] : [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = ([r, g, b]: Rgba) => {
    const channel = (value: number) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (fg: Rgba, bg: Rgba) => {
    const [a, b] = [luminance(over(fg, bg)), luminance(bg)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const failures: string[] = [];
  let checked = 0;
  for (const element of document.querySelectorAll('body *')) {
    const own = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
    const isField = element instanceof HTMLInputElement || element instanceof HTMLSelectElement;
    if (!own && !isField) continue;
    const rect = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
    const value = ratio(parse(style.color), background(element));
    checked++;
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (value < (large ? 3 : 4.5)) {
      const name = `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}.${[...element.classList].join('.')}`;
      failures.push(`${name} "${(element.textContent ?? '').trim().slice(0, 30)}" ${value.toFixed(2)}:1`);
    }
  }
  const code = document.querySelector('input[name=code]') as HTMLInputElement;
  const placeholderColor = getComputedStyle(code, '::placeholder').color;
  return {
    checked,
    failures,
    placeholder: {
      color: placeholderColor,
      typed: getComputedStyle(code).color,
      ratio: ratio(parse(placeholderColor), background(code)),
    },
  };
}
