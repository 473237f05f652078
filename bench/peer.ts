/**
 * Cold starts beside the best-known open-source peer, aws-samples/amazon-cognito-passwordless-auth
 * (its npm package, pinned as a devDependency: its compiled trigger handlers in
 * dist/cdk/custom-auth/). Both sides are bundled here with the construct's own esbuild options
 * (`esbuildOptions`) and run in fresh Node processes with source maps on, as deployed, interleaved over
 * the rounds. Each process imports its bundle and then invokes the handler once, as the first request
 * after a cold start does, against loopback stubs of every AWS endpoint either side calls
 * (bench/aws-stubs.ts) and of the Parameters and Secrets extension. A ratio is the median over the
 * rounds of onetime's CPU ÷ the peer's in the same round (paired, so the machine's drift cancels), for
 * the import alone and for import + first call.
 *
 * The peer gets the environment its construct sets with magic links and SMS step-up on and FIDO2 off,
 * per function (its define trigger only LOG_LEVEL). Its first call is the round that does the same job
 * as ours: see PEER_ROUNDS. Issue 17's goal: every trigger and the HTTP send at or below the peer
 * (≤ 1.0×), import and import + first call alike; and the two sends (create, start) within 1.10× of
 * the same-work floor (bench/floors/send-floor.ts) on import + first call, the measure check and
 * status already meet against their bare-DynamoDB floor.
 *
 *   node --import tsx bench/peer.ts
 */
import { constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { formatMetadata } from '../functions/cognito/challenge.ts';
import { esbuildOptions, type HandlerName, handlerEntry } from '../infra/otp-function.ts';
import { apiGatewayEvent, matchRoute } from '../local/api-event.ts';
import { startExtensionStub } from '../test/support/extension-stub.ts';
import { startAwsStub } from './aws-stubs.ts';
import { importedBytes, median, timeImport, VERIFICATION_ID } from './bundles.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PEER = join(ROOT, 'node_modules', 'amazon-cognito-passwordless-auth', 'dist', 'cdk', 'custom-auth');
/**
 * Entries that are neither onetime's handlers nor the peer's: the same-work floor of a send, the same
 * with the phone-number rules, and with the secret read as well (the gap to create taken apart), and
 * the verify trigger with its key handed in (no secret read at import: bench/diagnostics).
 */
const FLOORS: Record<string, string> = {
  'send-floor': join(ROOT, 'bench', 'floors', 'send-floor.ts'),
  'send-floor-phone-rules': join(ROOT, 'bench', 'floors', 'send-floor-phone-rules.ts'),
  'send-floor-secret': join(ROOT, 'bench', 'floors', 'send-floor-secret.ts'),
  'verify-key-given': join(ROOT, 'bench', 'diagnostics', 'verify-key-given.ts'),
  'define-by-count': join(ROOT, 'bench', 'diagnostics', 'define-by-count.ts'),
};
/** 21 by default; fewer (PEER_ROUNDS=3) for a quick look while iterating. */
const ROUNDS = Number(process.env['PEER_ROUNDS'] ?? 21);

const USER_POOL_ID = 'us-east-1_BenchPool';
const CLIENT_ID = 'benchclient';
const USER_NAME = 'bench-user';
const PHONE = '+14155550123';
const USER_ATTRIBUTES = {
  sub: '11111111-2222-3333-4444-555555555555',
  phone_number: PHONE,
  phone_number_verified: 'true',
  email: 'user@example.com',
  email_verified: 'true',
};

/** A Cognito trigger event as the user pool sends it. */
const trigger = (triggerSource: string, request: Record<string, unknown>) => ({
  version: '1',
  region: 'us-east-1',
  userPoolId: USER_POOL_ID,
  userName: USER_NAME,
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: CLIENT_ID },
  triggerSource,
  request: { userAttributes: USER_ATTRIBUTES, ...request },
  response: {},
});

/** What the peer's construct gives each trigger (magic link and SMS step-up on, FIDO2 off: unset). */
const PEER_CREATE_ENV = {
  ALLOWED_ORIGINS: 'https://app.example.com',
  ALLOWED_APPLICATION_ORIGINS: '',
  LOG_LEVEL: 'INFO',
  MAGIC_LINK_ENABLED: 'TRUE',
  SES_FROM_ADDRESS: 'no-reply@example.com',
  SES_REGION: '',
  KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  DYNAMODB_SECRETS_TABLE: 'passwordless-secrets',
  SECONDS_UNTIL_EXPIRY: '900',
  MIN_SECONDS_BETWEEN: '60',
  STACK_ID: 'arn:aws:cloudformation:us-east-1:123456789012:stack/passwordless/bench',
  SMS_OTP_STEP_UP_ENABLED: 'TRUE',
  OTP_LENGTH: '',
  ORIGINATION_NUMBER: '',
  SENDER_ID: '',
  SNS_REGION: '',
};
const PEER_VERIFY_ENV = {
  ALLOWED_ORIGINS: 'https://app.example.com',
  ALLOWED_APPLICATION_ORIGINS: '',
  LOG_LEVEL: 'INFO',
  MAGIC_LINK_ENABLED: 'TRUE',
  DYNAMODB_SECRETS_TABLE: 'passwordless-secrets',
  STACK_ID: PEER_CREATE_ENV.STACK_ID,
  SMS_OTP_STEP_UP_ENABLED: 'TRUE',
};
const PEER_DEFINE_ENV = { LOG_LEVEL: 'INFO' };

/**
 * The peer's magic link as its create trigger makes one (RSA-PSS over SHA-512 by its KMS key): here
 * signed with a key made for the run, whose public half the KMS stub hands its verify trigger.
 */
function magicLink() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + 3600;
  const message = Buffer.from(JSON.stringify({ userName: USER_NAME, iat, exp }));
  const context = Buffer.from(JSON.stringify({ userPoolId: USER_POOL_ID, clientId: CLIENT_ID }));
  const signature = sign('sha512', Buffer.concat([message, context]), {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  });
  const hash = (value: string | Buffer) =>
    createHash('sha256').update(PEER_CREATE_ENV.STACK_ID).end(value).digest().toString('base64');
  return {
    answer: `${message.toString('base64url')}.${signature.toString('base64url')}`,
    state: {
      secretsTable: PEER_CREATE_ENV.DYNAMODB_SECRETS_TABLE,
      magicLinkRecord: {
        userNameHash: { B: hash(USER_NAME) },
        signatureHash: { B: hash(signature) },
        iat: { N: String(iat) },
        exp: { N: String(exp) },
        kmsKeyId: { S: PEER_CREATE_ENV.KMS_KEY_ID },
      },
      publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }),
      signature,
    },
  };
}

/** One bundle invoked with one first event; `expect` must match what that call answered. */
interface Case {
  bundle: string;
  event: unknown;
  env: Record<string, string>;
  expect: RegExp;
}

function cases(magicLinkAnswer: string): Record<string, Case> {
  const providedAuthParameters = {
    challengeName: 'CUSTOM_CHALLENGE',
    challengeResult: false,
    challengeMetadata: 'PROVIDE_AUTH_PARAMETERS',
  };
  const stepUp = { signInMethod: 'SMS_OTP_STEPUP' };
  // onetime: a wrong code in the last round, so define decides from the session's metadata.
  const defineCase: Case = {
    bundle: 'cognito-define',
    env: {},
    event: trigger('DefineAuthChallenge_Authentication', {
      session: [
        {
          challengeName: 'CUSTOM_CHALLENGE',
          challengeResult: false,
          challengeMetadata: formatMetadata({
            channel: 'sms',
            verificationId: VERIFICATION_ID,
            expiresAt: Date.now() + 3_600_000,
            attemptsLeft: 4,
            resent: false,
          }),
        },
      ],
    }),
    expect: /challengeName=CUSTOM_CHALLENGE/,
  };
  const verifyCase: Case = {
    bundle: 'cognito-verify',
    env: {},
    event: trigger('VerifyAuthChallengeResponse_Authentication', {
      privateChallengeParameters: { verificationId: VERIFICATION_ID },
      challengeAnswer: '123456',
    }),
    expect: /answerCorrect=true/,
  };
  // Every floor sends the same code to the same number; its first call answers with the Publish's output.
  const floorCase = (bundle: string): Case => ({
    bundle,
    env: {},
    event: { to: PHONE, body: 'Your code is 123456' },
    expect: /^SDK output$/,
  });
  return {
    'onetime define': defineCase,
    // A diagnostic define deciding by the count alone, as the peer's does, with onetime's log line…
    'onetime define by count': { ...defineCase, bundle: 'define-by-count' },
    // …and without it (LOG_LEVEL=WARN silences the INFO line).
    'onetime define by count, no log line': {
      ...defineCase,
      bundle: 'define-by-count',
      env: { LOG_LEVEL: 'WARN' },
    },
    // onetime: the first round sends the code by SMS (one transaction, one SNS Publish).
    'onetime create': {
      bundle: 'cognito-create',
      env: {},
      event: trigger('CreateAuthChallenge_Authentication', {
        challengeName: 'CUSTOM_CHALLENGE',
        session: [],
      }),
      expect: /publicChallengeParameters=channel\+destination/,
    },
    'onetime verify': verifyCase,
    // The same, its key handed in: no secret read and no key derivation at import.
    'onetime verify, key given': { ...verifyCase, bundle: 'verify-key-given' },
    'onetime start': {
      bundle: 'start',
      env: {},
      event: apiGatewayEvent({
        method: 'POST',
        path: '/v1/verifications',
        route: matchRoute('POST', '/v1/verifications')!,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: PHONE, channel: 'sms' }),
      }),
      expect: /^201$/,
    },
    // The same-work floor: the transaction and the Publish a send cannot do without (bench/floors).
    'send floor': floorCase('send-floor'),
    // The floor with the phone-number rules onetime applies to every phone destination.
    'send floor with phone rules': floorCase('send-floor-phone-rules'),
    // …and with the secret read at init as well: what is left beside create is the engine's own code.
    'send floor with phone rules and secret': floorCase('send-floor-secret'),
    // The peer's SMS step-up after its first (PROVIDE_AUTH_PARAMETERS) round: define asks for a challenge…
    'peer define': {
      bundle: 'peer-define-auth-challenge.js',
      env: PEER_DEFINE_ENV,
      event: trigger('DefineAuthChallenge_Authentication', {
        session: [providedAuthParameters],
        clientMetadata: stepUp,
      }),
      expect: /challengeName=CUSTOM_CHALLENGE/,
    },
    // …and create sends the code by SMS (one SNS Publish): the same job as onetime's first create.
    'peer create (SMS step-up)': {
      bundle: 'peer-create-auth-challenge.js',
      env: PEER_CREATE_ENV,
      event: trigger('CreateAuthChallenge_Authentication', {
        challengeName: 'CUSTOM_CHALLENGE',
        session: [providedAuthParameters],
        clientMetadata: stepUp,
      }),
      expect: /publicChallengeParameters=phoneNumber/,
    },
    // Its magic link round: KMS Sign, a DynamoDB PutItem and an SES email.
    'peer create (magic link)': {
      bundle: 'peer-create-auth-challenge.js',
      env: PEER_CREATE_ENV,
      event: trigger('CreateAuthChallenge_Authentication', {
        challengeName: 'CUSTOM_CHALLENGE',
        session: [providedAuthParameters],
        clientMetadata: { signInMethod: 'MAGIC_LINK', redirectUri: 'https://app.example.com/sign-in' },
      }),
      expect: /challengeMetadata=MAGIC_LINK/,
    },
    // Its verify for the magic link: one DynamoDB UpdateItem (as onetime's check), KMS GetPublicKey and
    // an RSA signature check. (Its SMS step-up verify fetches the pool's JWKS over HTTPS instead.)
    'peer verify (magic link)': {
      bundle: 'peer-verify-auth-challenge-response.js',
      env: PEER_VERIFY_ENV,
      event: trigger('VerifyAuthChallengeResponse_Authentication', {
        privateChallengeParameters: { challenge: 'PROVIDE_MAGIC_LINK' },
        challengeAnswer: magicLinkAnswer,
        clientMetadata: { signInMethod: 'MAGIC_LINK' },
      }),
      expect: /answerCorrect=true/,
    },
  };
}

/**
 * The rows: onetime's function beside the peer's round that does the same job; `target` false = shown
 * only. `floorTarget`: a row beside the same-work floor whose import + first call must stay within
 * that ratio (as check and status stay within 1.1x of their bare-DynamoDB floor, bench/bundles.ts).
 */
const PAIRS: Array<{ job: string; ours: string; peer: string; target: boolean; floorTarget?: number }> = [
  { job: 'define auth challenge', ours: 'onetime define', peer: 'peer define', target: true },
  {
    job: 'create auth challenge (send by SMS)',
    ours: 'onetime create',
    peer: 'peer create (SMS step-up)',
    target: true,
  },
  {
    job: 'verify auth challenge (a right answer)',
    ours: 'onetime verify',
    peer: 'peer verify (magic link)',
    target: true,
  },
  { job: 'HTTP send (start, SMS)', ours: 'onetime start', peer: 'peer create (SMS step-up)', target: true },
  // What the gap to the peer is made of: the work (the floor beside the peer), and onetime's own cost
  // on top of that work (each send beside the floor).
  {
    job: "same-work floor (TransactWriteItems of 4 items + SNS Publish) beside the peer's SMS create",
    ours: 'send floor',
    peer: 'peer create (SMS step-up)',
    target: false,
  },
  {
    job: 'create auth challenge beside the same-work floor',
    ours: 'onetime create',
    peer: 'send floor',
    target: false,
    floorTarget: 1.1,
  },
  {
    job: 'HTTP send beside the same-work floor',
    ours: 'onetime start',
    peer: 'send floor',
    target: false,
    floorTarget: 1.1,
  },
  // The gap to the same-work floor taken apart: what the phone-number rules add (libphonenumber-js,
  // deployed metadata), what the secret read at init adds, and what is left, the engine's own code.
  {
    job: 'the floor with the phone-number rules beside the floor',
    ours: 'send floor with phone rules',
    peer: 'send floor',
    target: false,
  },
  {
    job: 'the floor with the phone-number rules and the secret read beside the floor with the phone-number rules',
    ours: 'send floor with phone rules and secret',
    peer: 'send floor with phone rules',
    target: false,
  },
  {
    job: 'create auth challenge beside the floor with the phone-number rules and the secret read',
    ours: 'onetime create',
    peer: 'send floor with phone rules and secret',
    target: false,
  },
  {
    job: 'HTTP send beside the floor with the phone-number rules and the secret read',
    ours: 'onetime start',
    peer: 'send floor with phone rules and secret',
    target: false,
  },
  // The define trigger's gap taken apart: deciding as the peer does (by the count alone) without a log
  // line, then with onetime's one line per round, then onetime's define beside that (its metadata rules).
  {
    job: "define deciding by the count alone, as the peer's, without a log line (a diagnostic)",
    ours: 'onetime define by count, no log line',
    peer: 'peer define',
    target: false,
  },
  {
    job: "define deciding by the count alone, as the peer's, with onetime's log line (a diagnostic)",
    ours: 'onetime define by count',
    peer: 'peer define',
    target: false,
  },
  {
    job: 'define auth challenge beside that diagnostic (what deciding from the metadata adds)',
    ours: 'onetime define',
    peer: 'onetime define by count',
    target: false,
  },
  {
    job: 'verify auth challenge with its key handed in (no secret read at import: a diagnostic)',
    ours: 'onetime verify, key given',
    peer: 'peer verify (magic link)',
    target: false,
  },
  {
    job: 'verify auth challenge beside itself with its key handed in',
    ours: 'onetime verify',
    peer: 'onetime verify, key given',
    target: false,
  },
  {
    job: "create auth challenge beside the peer's magic link round",
    ours: 'onetime create',
    peer: 'peer create (magic link)',
    target: false,
  },
];

/** A bundle as the construct builds it; `bytes`: what Node reads and parses at import (`importedBytes`). */
async function bundle(out: string, name: string, entry: string): Promise<{ file: string; bytes: number }> {
  const file = join(out, name, 'index.mjs');
  const { metafile } = await build({ ...esbuildOptions(entry, file), absWorkingDir: ROOT });
  return { file, bytes: importedBytes(metafile!) };
}

interface Sample {
  importCpu: number;
  coldCpu: number;
  answer: string;
  calls: string[];
}

export async function benchPeer(): Promise<string> {
  mkdirSync(join(ROOT, 'bench', '.build'), { recursive: true });
  const out = mkdtempSync(join(ROOT, 'bench', '.build', 'peer-'));
  const link = magicLink();
  const extension = await startExtensionStub();
  const aws = await startAwsStub(link.state);
  try {
    const base: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SESSION_TOKEN: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Every service either side calls, and the generic variable so nothing leaves the machine.
      AWS_ENDPOINT_URL: aws.url,
      AWS_ENDPOINT_URL_DYNAMODB: aws.url,
      AWS_ENDPOINT_URL_SNS: aws.url,
      AWS_ENDPOINT_URL_SES: aws.url,
      AWS_ENDPOINT_URL_KMS: aws.url,
    };
    const ours: Record<string, string> = {
      TABLE_NAME: 'onetime-bench',
      SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      POWERTOOLS_SERVICE_NAME: 'onetime',
    };
    const all = cases(link.answer);
    const built = new Map<string, { file: string; bytes: number }>();
    for (const { bundle: name } of Object.values(all)) {
      if (built.has(name)) continue;
      const entry = name.startsWith('peer-')
        ? join(PEER, name.slice('peer-'.length))
        : (FLOORS[name] ?? handlerEntry(name as HandlerName));
      built.set(name, await bundle(out, name, entry));
    }
    const samples = new Map<string, Sample[]>(Object.keys(all).map((key) => [key, []]));
    // Interleaved rounds: every case once per round, each in a fresh process.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, c] of Object.entries(all)) {
        const env = { ...base, ...(key.startsWith('peer') ? {} : ours), ...c.env };
        const before = aws.calls.length;
        const timing = await timeImport(built.get(c.bundle)!.file, env, true, c.event);
        const answer = timing.cold?.answer ?? 'no answer';
        if (!c.expect.test(answer)) throw new Error(`${key}: its first call answered "${answer}"`);
        samples.get(key)!.push({
          importCpu: timing.cpu,
          coldCpu: timing.cold!.cpu,
          answer,
          calls: aws.calls.slice(before),
        });
      }
    }

    const rows: string[] = [];
    const targets: string[] = [];
    for (const pair of PAIRS) {
      const a = samples.get(pair.ours)!;
      const b = samples.get(pair.peer)!;
      const paired = (pick: (s: Sample) => number) => median(a.map((s, i) => pick(s) / pick(b[i]!)));
      const importRatio = paired((s) => s.importCpu);
      const coldRatio = paired((s) => s.coldCpu);
      const ms = (list: Sample[], pick: (s: Sample) => number) => median(list.map(pick)).toFixed(1);
      const callsOf = (list: Sample[]) => list[0]!.calls.join(', ') || 'none';
      rows.push(
        `| ${pair.job} | ${kb(built.get(all[pair.ours]!.bundle)!.bytes)} / ${kb(built.get(all[pair.peer]!.bundle)!.bytes)} | ` +
          `${ms(a, (s) => s.importCpu)} / ${ms(b, (s) => s.importCpu)} ms | **${importRatio.toFixed(2)}×** | ` +
          `${ms(a, (s) => s.coldCpu)} / ${ms(b, (s) => s.coldCpu)} ms | **${coldRatio.toFixed(2)}×** | ` +
          `${callsOf(a)} / ${callsOf(b)} |`,
      );
      if (pair.floorTarget !== undefined) {
        targets.push(
          `- ${Number(coldRatio.toFixed(2)) <= pair.floorTarget ? 'PASS' : 'FAIL'} ${pair.job}: import + first call ≤ ${pair.floorTarget.toFixed(2)}× the floor's (paired CPU): ${coldRatio.toFixed(2)}×`,
        );
      }
      if (pair.target) {
        for (const [what, ratio] of [
          ['import', importRatio],
          ['import + first call', coldRatio],
        ] as const) {
          // Judged at the precision shown: the rounds' noise is far above the third decimal.
          targets.push(
            `- ${Number(ratio.toFixed(2)) <= 1 ? 'PASS' : 'FAIL'} ${pair.job}: ${what} ≤ 1.00× the peer's (paired CPU): ${ratio.toFixed(2)}×`,
          );
        }
      }
    }
    return [
      '## Cold starts beside the peer (amazon-cognito-passwordless-auth 0.17.0)',
      '',
      `Both sides bundled with the construct's esbuild options; each case in a fresh Node ${process.version} process with source maps on, ` +
        `${ROUNDS} interleaved rounds. The process imports the bundle, then invokes the handler once with a realistic event against loopback ` +
        "stubs of every AWS endpoint either side calls (and of the Parameters and Secrets extension, which onetime's functions read their " +
        'secret through). "Paired" is the median over the rounds of onetime\'s CPU time (user + system) ÷ the peer\'s in the same round. ' +
        "The peer's environment is what its construct sets with magic link and SMS step-up on and FIDO2 off. Its rounds: define and create " +
        'in SMS step-up after its first (PROVIDE_AUTH_PARAMETERS) round, create sending the code by SNS as onetime does; verify checking a ' +
        "magic link (one DynamoDB UpdateItem, as onetime's check; its SMS step-up verify would fetch the pool's keys over HTTPS). " +
        "onetime's rounds: define after a wrong code, create's first round (sends by SMS), verify with the right code, start " +
        '(`POST /v1/verifications`, SMS). "Read at import": the entry file and the chunks it imports statically; ' +
        "what a function loads with `import()` (a channel's client) is read in the first call. `console` is set up as Lambda's runtime " +
        "sets it up (one synchronous write per call, so the peer's console.log builds no `process.stdout`); onetime writes its log " +
        "lines to the descriptor the same way (functions/adapters/json-log.ts). Where a bundle imports the AWS SDK, the SDK's own " +
        '`node:process` import builds `process.stdout` and `process.stderr` at import anyway, on both sides and in the floor. ' +
        'The verify rows "key handed in" are a diagnostic: the deployed verify reads its secret and derives its keys at init, ' +
        'which its first answer needs either way; beside it, the same trigger with its key handed in shows what that read costs ' +
        'the import alone, and that import + first call comes to the same. ' +
        'The floors (bench/floors): the same-work floor is the I/O a send cannot do without (one 4-item transaction, one SNS ' +
        'Publish); "with the phone-number rules" adds the parse and validation every phone destination gets (libphonenumber-js ' +
        'with the deployed metadata: what `allowedCountries` and the per-country limits read); "and the secret read" adds the read ' +
        'of the secret at init through the extension that a sealed code needs. Each is shown beside the one before it, and create and ' +
        "start beside the last: what is left there is the engine's own code (validation, sealing, limits, logging). " +
        '`BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of every process (and keeps the bundles in bench/.build) to see where it goes.',
      '',
      '| function | read at import: onetime / peer | import CPU, median: onetime / peer | import, paired | import + first call CPU: onetime / peer | import + first call, paired | AWS calls in the first call: onetime / peer |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      ...targets,
    ].join('\n');
  } finally {
    await extension.close();
    await aws.close();
    // Kept for reading a profile's positions through the bundles' source maps.
    if (!process.env['BENCH_CPU_PROF']) rmSync(out, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchPeer());
