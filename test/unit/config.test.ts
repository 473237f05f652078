import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cascadeQueueFromEnv,
  cascadeStateMachineFromEnv,
  channelsFromEnv,
  emailAddressIn,
  keyRotationFromEnv,
  maxAttemptsFromEnv,
  secretArnFromEnv,
  sendSettingsFromEnv,
  settingsFromEnv,
  tableNameFromEnv,
} from '../../functions/config.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../functions/core/settings.ts';

/** The numeric variables of the contract's defaults table, the setting each feeds, and its default. */
const CONTRACT_VARIABLES: ReadonlyArray<[string, keyof Settings, number]> = [
  ['OTP_CODE_LENGTH', 'codeLength', 6],
  ['OTP_TTL_SECONDS', 'ttlSeconds', 300],
  ['OTP_MAX_ATTEMPTS', 'maxAttempts', 5],
  ['OTP_RESEND_COOLDOWN_SECONDS', 'resendCooldownSeconds', 30],
  ['OTP_MAX_SENDS_PER_HOUR', 'maxSendsPerHour', 5],
  ['OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR', 'maxSendsPerDeviceIpPerHour', 20],
  ['OTP_VOICE_FALLBACK_SECONDS', 'voiceFallbackSeconds', 60],
  ['OTP_PHONE_SENDS_PER_MINUTE', 'phoneSendsPerMinute', DEFAULT_SETTINGS.phoneSendsPerMinute],
  ['OTP_PHONE_SENDS_PER_DAY', 'phoneSendsPerDay', DEFAULT_SETTINGS.phoneSendsPerDay],
];

describe('maxAttemptsFromEnv (the Cognito define trigger reads this one setting alone)', () => {
  it('reads OTP_MAX_ATTEMPTS exactly as settingsFromEnv does: the value, the default, the refusals', () => {
    for (const raw of [undefined, '', '1', '5', '42', '100']) {
      const env = { OTP_MAX_ATTEMPTS: raw };
      expect(maxAttemptsFromEnv(env)).toEqual({ maxAttempts: settingsFromEnv(env).maxAttempts });
    }
    for (const raw of ['0', '101', '3.5', '-1', 'five', ' 5']) {
      const env = { OTP_MAX_ATTEMPTS: raw };
      expect(() => settingsFromEnv(env)).toThrow(/OTP_MAX_ATTEMPTS must be an integer from 1 to 100/);
      expect(() => maxAttemptsFromEnv(env)).toThrow(/OTP_MAX_ATTEMPTS must be an integer from 1 to 100/);
    }
  });
});

describe('settingsFromEnv', () => {
  it('gives the contract defaults when nothing is set, and treats empty values as unset', () => {
    expect(settingsFromEnv({})).toEqual(DEFAULT_SETTINGS);
    const empty = Object.fromEntries(CONTRACT_VARIABLES.map(([name]) => [name, '']));
    expect(settingsFromEnv({ ...empty, OTP_ALLOWED_COUNTRIES: '  ' })).toEqual(DEFAULT_SETTINGS);
    for (const [, key, contractDefault] of CONTRACT_VARIABLES) {
      expect(DEFAULT_SETTINGS[key], key).toBe(contractDefault);
    }
  });

  it('does not alter the shared defaults object', () => {
    const before = structuredClone(DEFAULT_SETTINGS);
    settingsFromEnv({ OTP_CODE_LENGTH: '8', OTP_ALLOWED_COUNTRIES: 'US' });
    expect(DEFAULT_SETTINGS).toEqual(before);
  });

  it.each(CONTRACT_VARIABLES)('reads %s into %s', (name, key, contractDefault) => {
    const value = contractDefault === 6 ? 8 : contractDefault + 7;
    expect(settingsFromEnv({ [name]: String(value) })[key]).toBe(value);
  });

  it('reads every variable at once', () => {
    const settings = settingsFromEnv({
      OTP_CODE_LENGTH: '4',
      OTP_TTL_SECONDS: '600',
      OTP_MAX_ATTEMPTS: '3',
      OTP_RESEND_COOLDOWN_SECONDS: '0',
      OTP_MAX_SENDS_PER_HOUR: '10',
      OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR: '100',
      OTP_VOICE_FALLBACK_SECONDS: '45',
      OTP_ALLOWED_COUNTRIES: 'US,CA',
      OTP_PHONE_SENDS_PER_MINUTE: '0',
      OTP_PHONE_SENDS_PER_DAY: '50000',
      OTP_APP_NAME: 'Acme',
      OTP_DEFAULT_LOCALE: 'pt',
      OTP_ORIGIN_DOMAIN: 'acme.example',
    });
    expect(settings).toMatchObject({
      codeLength: 4,
      ttlSeconds: 600,
      maxAttempts: 3,
      resendCooldownSeconds: 0,
      maxSendsPerHour: 10,
      maxSendsPerDeviceIpPerHour: 100,
      voiceFallbackSeconds: 45,
      allowedCountries: ['US', 'CA'],
      phoneSendsPerMinute: 0,
      phoneSendsPerDay: 50_000,
      appName: 'Acme',
      defaultLocale: 'pt',
      originDomain: 'acme.example',
    });
  });

  it('accepts code lengths 4 to 10 and refuses 3 and 11, naming the variable', () => {
    expect(settingsFromEnv({ OTP_CODE_LENGTH: '4' }).codeLength).toBe(4);
    expect(settingsFromEnv({ OTP_CODE_LENGTH: '10' }).codeLength).toBe(10);
    expect(() => settingsFromEnv({ OTP_CODE_LENGTH: '3' })).toThrow(/OTP_CODE_LENGTH/);
    expect(() => settingsFromEnv({ OTP_CODE_LENGTH: '11' })).toThrow(/OTP_CODE_LENGTH/);
  });

  it('reads OTP_CODE_ALPHABET: digits by default, alphanumeric on demand, anything else refused by name', () => {
    expect(DEFAULT_SETTINGS.codeAlphabet).toBe('digits');
    expect(settingsFromEnv({ OTP_CODE_ALPHABET: '' }).codeAlphabet).toBe('digits');
    expect(settingsFromEnv({ OTP_CODE_ALPHABET: 'alphanumeric' }).codeAlphabet).toBe('alphanumeric');
    expect(settingsFromEnv({ OTP_CODE_ALPHABET: 'digits' }).codeAlphabet).toBe('digits');
    for (const bad of ['letters', 'ALPHANUMERIC', 'hex']) {
      expect(() => settingsFromEnv({ OTP_CODE_ALPHABET: bad }), bad).toThrow(/OTP_CODE_ALPHABET/);
    }
  });

  it.each(CONTRACT_VARIABLES)('refuses non-integer and out-of-range values of %s, naming it', (name) => {
    for (const bad of ['abc', '1.5', '-1', '1e12', 'NaN', 'Infinity', '5 apples', String(2 ** 53)]) {
      expect(() => settingsFromEnv({ [name]: bad }), `${name}=${bad}`).toThrow(name);
    }
  });

  it('refuses settings that would disable a rule: zero attempts, zero sends per hour, zero validity', () => {
    for (const name of ['OTP_MAX_ATTEMPTS', 'OTP_MAX_SENDS_PER_HOUR', 'OTP_TTL_SECONDS', 'OTP_CODE_LENGTH']) {
      expect(() => settingsFromEnv({ [name]: '0' }), name).toThrow(name);
    }
  });

  it('property: any integer string in range is taken as is; the message quotes the bad value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (n) => {
        expect(settingsFromEnv({ OTP_MAX_ATTEMPTS: String(n) }).maxAttempts).toBe(n);
      }),
    );
    expect(() => settingsFromEnv({ OTP_TTL_SECONDS: 'ten' })).toThrow('"ten"');
  });

  describe('OTP_SMS_TEMPLATES', () => {
    it('takes a JSON object of supported locale -> text with {code} once', () => {
      const templates = { en: '{app}: {code} ({minutes} min)', pt: 'Código {code}' };
      expect(sendSettingsFromEnv({ OTP_SMS_TEMPLATES: JSON.stringify(templates) }).smsTemplates).toEqual(
        templates,
      );
      expect(sendSettingsFromEnv({}).smsTemplates).toBeUndefined();
      // A sending setting: the check's and status's settings carry none.
      expect(settingsFromEnv({ OTP_SMS_TEMPLATES: JSON.stringify(templates) })).not.toHaveProperty(
        'smsTemplates',
      );
    });

    it('refuses, naming what is wrong, what would send a message without its code or with a stray brace', () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ en: 'Your code is ready.' }, /"en": must hold \{code\} exactly once/],
        [{ en: '{code} {code}' }, /exactly once/],
        [{ en: 'Hi {name}, {code}' }, /unknown placeholder \{name\}/],
        [{ xx: '{code}' }, /"xx": not a supported locale/],
        [{ en: '' }, /1 to 300 characters/],
        [{ en: `{code}${'x'.repeat(300)}` }, /1 to 300 characters/],
        [{ en: 42 }, /1 to 300 characters/],
        [['{code}'], /object of locale -> text/],
      ];
      for (const [value, message] of cases) {
        expect(
          () => sendSettingsFromEnv({ OTP_SMS_TEMPLATES: JSON.stringify(value) }),
          JSON.stringify(value),
        ).toThrow(message);
      }
      expect(() => sendSettingsFromEnv({ OTP_SMS_TEMPLATES: '{en:' })).toThrow(
        /OTP_SMS_TEMPLATES must be a JSON object/,
      );
    });
  });

  describe('OTP_ALLOWED_COUNTRIES', () => {
    it('parses a comma-separated list, trimming and upper-casing', () => {
      expect(settingsFromEnv({ OTP_ALLOWED_COUNTRIES: 'US' }).allowedCountries).toEqual(['US']);
      expect(settingsFromEnv({ OTP_ALLOWED_COUNTRIES: ' us , gb,Fr ' }).allowedCountries).toEqual([
        'US',
        'GB',
        'FR',
      ]);
      expect(settingsFromEnv({ OTP_ALLOWED_COUNTRIES: 'US,,CA,' }).allowedCountries).toEqual(['US', 'CA']);
    });

    it('takes * as every country', () => {
      expect(settingsFromEnv({ OTP_ALLOWED_COUNTRIES: '*' }).allowedCountries).toEqual(['*']);
    });

    it('keeps the default list when unset', () => {
      expect(settingsFromEnv({}).allowedCountries).toEqual(DEFAULT_SETTINGS.allowedCountries);
      expect(DEFAULT_SETTINGS.allowedCountries.every((c) => /^[A-Z]{2}$/.test(c))).toBe(true);
    });

    it('refuses anything that is not an ISO 3166 alpha-2 code, naming the variable', () => {
      for (const bad of ['USA', 'U', 'US,1X', 'US;CA', 'all', 'U S', '**']) {
        expect(() => settingsFromEnv({ OTP_ALLOWED_COUNTRIES: bad }), bad).toThrow(/OTP_ALLOWED_COUNTRIES/);
      }
    });
  });
});

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:VoiceFallback1A2B3C';

describe('tableNameFromEnv and secretArnFromEnv', () => {
  it('return a well-formed value, and throw naming a missing, empty or malformed one', () => {
    expect(tableNameFromEnv({ TABLE_NAME: 'OtpTest-OtpServiceTable1A2B3C-XYZ.1_2' })).toBe(
      'OtpTest-OtpServiceTable1A2B3C-XYZ.1_2',
    );
    expect(secretArnFromEnv({ SECRET_ARN: SECRET })).toBe(SECRET);
    for (const env of [{}, { TABLE_NAME: '' }]) {
      expect(() => tableNameFromEnv(env)).toThrow('environment variable TABLE_NAME is not set');
    }
    for (const bad of ['t', 'my table', 'a/b']) {
      expect(() => tableNameFromEnv({ TABLE_NAME: bad }), bad).toThrow(
        `TABLE_NAME must be a DynamoDB table name (got "${bad}")`,
      );
    }
    expect(() => secretArnFromEnv({})).toThrow('environment variable SECRET_ARN is not set');
    for (const bad of [
      'onetime-key',
      'arn:aws:s3:::bucket',
      'arn:aws:secretsmanager:eu-west-1:1234:secret:x',
    ]) {
      expect(() => secretArnFromEnv({ SECRET_ARN: bad }), bad).toThrow(
        /SECRET_ARN must be a Secrets Manager secret ARN/,
      );
    }
  });
});

describe('keyRotationFromEnv', () => {
  it('reads the secret and the period, and refuses a missing or malformed one', () => {
    const env = { KEY_ROTATION_SECRET_ARN: SECRET, KEY_ROTATION_EVERY_SECONDS: '7776000' };
    expect(keyRotationFromEnv(env)).toEqual({ secretArn: SECRET, everySeconds: 7_776_000 });
    expect(() => keyRotationFromEnv({ ...env, KEY_ROTATION_SECRET_ARN: '' })).toThrow(
      /KEY_ROTATION_SECRET_ARN/,
    );
    for (const bad of ['', '90d', '0', '-1', '1.5']) {
      expect(() => keyRotationFromEnv({ ...env, KEY_ROTATION_EVERY_SECONDS: bad }), bad).toThrow(
        /KEY_ROTATION_EVERY_SECONDS/,
      );
    }
  });
});

describe('channelsFromEnv', () => {
  it('switches push on with platform applications, which the engine also checks `to` against', () => {
    const apps =
      'arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios, arn:aws:sns:eu-west-1:123456789012:app/GCM/acme';
    const env = { OTP_PUSH_PLATFORM_APPLICATIONS: apps };
    const expected = [
      'arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios',
      'arn:aws:sns:eu-west-1:123456789012:app/GCM/acme',
    ];
    expect(channelsFromEnv(env).push).toEqual({ platformApplications: expected });
    expect(sendSettingsFromEnv(env).pushPlatformApplications).toEqual(expected);
    expect(channelsFromEnv({}).push).toBeUndefined();
    expect(sendSettingsFromEnv({}).pushPlatformApplications).toBeUndefined();
    // A sending setting: the check's and status's settings keep the default (none).
    expect(settingsFromEnv(env).pushPlatformApplications).toEqual([]);
    for (const bad of [
      'arn:aws:sns:eu-west-1:123456789012:my-topic',
      'arn:aws:sns:eu-west-1:123456789012:app/ADM/acme',
      'acme-ios',
    ]) {
      expect(() => sendSettingsFromEnv({ OTP_PUSH_PLATFORM_APPLICATIONS: bad }), bad).toThrow(
        /OTP_PUSH_PLATFORM_APPLICATIONS/,
      );
    }
  });

  it('switches WhatsApp on with a phone number id, with defaults for the template, and checks each variable', () => {
    const id = 'phone-number-id-0123456789abcdef0123456789abcdef';
    expect(channelsFromEnv({ WHATSAPP_PHONE_NUMBER_ID: id }).whatsapp).toEqual({
      phoneNumberId: id,
      templateName: 'verification_code',
      templateLanguages: ['en_US'],
      metaApiVersion: 'v20.0',
    });
    expect(
      channelsFromEnv({
        WHATSAPP_PHONE_NUMBER_ID: id,
        WHATSAPP_TEMPLATE_NAME: 'acme_code',
        WHATSAPP_TEMPLATE_LANGUAGES: 'en_US,es,pt_BR',
        WHATSAPP_META_API_VERSION: 'v21.0',
      }).whatsapp,
    ).toEqual({
      phoneNumberId: id,
      templateName: 'acme_code',
      templateLanguages: ['en_US', 'es', 'pt_BR'],
      metaApiVersion: 'v21.0',
    });
    for (const [name, bad] of [
      ['WHATSAPP_PHONE_NUMBER_ID', '+14155550123'],
      ['WHATSAPP_TEMPLATE_NAME', 'Acme Code'],
      ['WHATSAPP_TEMPLATE_LANGUAGES', 'en-US'],
      ['WHATSAPP_META_API_VERSION', '20'],
    ] as const) {
      expect(() => channelsFromEnv({ WHATSAPP_PHONE_NUMBER_ID: id, [name]: bad }), name).toThrow(name);
    }
    expect(() => channelsFromEnv({ WHATSAPP_TEMPLATE_NAME: 'acme_code' })).toThrow(
      /WHATSAPP_TEMPLATE_NAME is set but WHATSAPP_PHONE_NUMBER_ID is not/,
    );
  });

  it('gives SMS alone when nothing is set, treating empty values as unset', () => {
    expect(channelsFromEnv({})).toEqual({ sms: {} });
    expect(
      channelsFromEnv({ SMS_SENDER_ID: '', EMAIL_FROM_ADDRESS: '', VOICE_ORIGINATION_IDENTITY: '' }),
    ).toEqual({
      sms: {},
    });
  });

  it('reads every channel variable', () => {
    expect(
      channelsFromEnv({
        SMS_SENDER_ID: 'Acme',
        SMS_ORIGINATION_NUMBER: '+18885550100',
        EMAIL_FROM_ADDRESS: '"Acme" <no-reply@acme.example>',
        EMAIL_REPLY_TO: 'help@acme.example',
        EMAIL_CONFIGURATION_SET: 'otp-events',
        VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
        VOICE_ID: 'JOANNA',
        VOICE_CONFIGURATION_SET: 'OtpTest-OtpService-voice',
      }),
    ).toEqual({
      sms: { senderId: 'Acme', originationNumber: '+18885550100' },
      email: {
        fromAddress: '"Acme" <no-reply@acme.example>',
        replyTo: 'help@acme.example',
        configurationSetName: 'otp-events',
      },
      voice: {
        originationIdentity: 'phone-0123456789abcdef',
        voiceId: 'JOANNA',
        configurationSetName: 'OtpTest-OtpService-voice',
      },
    });
  });

  it('takes every form of origination the providers take', () => {
    expect(channelsFromEnv({ SMS_ORIGINATION_NUMBER: '12345' }).sms.originationNumber).toBe('12345');
    for (const identity of [
      '+18885550100',
      'pool-0123456789abcdef',
      'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef',
    ]) {
      expect(channelsFromEnv({ VOICE_ORIGINATION_IDENTITY: identity }).voice).toEqual({
        originationIdentity: identity,
      });
    }
  });

  it.each([
    ['SMS_SENDER_ID', 'Acme Inc'],
    ['SMS_SENDER_ID', 'AcmeCorporation'],
    ['SMS_SENDER_ID', '12345'],
    ['SMS_ORIGINATION_NUMBER', '+1 888 555 0100'],
    ['SMS_ORIGINATION_NUMBER', '(888) 555-0100'],
    ['EMAIL_FROM_ADDRESS', 'no-reply'],
    ['EMAIL_FROM_ADDRESS', '"Acme" <no-reply>'],
    ['EMAIL_CONFIGURATION_SET', 'otp events'],
    ['VOICE_ORIGINATION_IDENTITY', 'phone 0123'],
    ['VOICE_CONFIGURATION_SET', 'x'.repeat(65)],
    ['VOICE_ID', 'Joanna'],
  ])('refuses %s=%j, naming it', (name, value) => {
    // The switch a dependent variable needs, so only the malformed value is at fault.
    const env = { EMAIL_FROM_ADDRESS: 'no-reply@acme.example', VOICE_ORIGINATION_IDENTITY: '+18885550100' };
    expect(() => channelsFromEnv({ ...env, [name]: value })).toThrow(`${name} must be`);
  });

  it('refuses a variable that means something only beside its channel switch, without it', () => {
    expect(() => channelsFromEnv({ EMAIL_REPLY_TO: 'help@acme.example' })).toThrow(
      'EMAIL_REPLY_TO is set but EMAIL_FROM_ADDRESS is not',
    );
    expect(() => channelsFromEnv({ EMAIL_CONFIGURATION_SET: 'otp-events' })).toThrow(/EMAIL_FROM_ADDRESS/);
    expect(() => channelsFromEnv({ VOICE_ID: 'JOANNA' })).toThrow(
      'VOICE_ID is set but VOICE_ORIGINATION_IDENTITY is not',
    );
    expect(() => channelsFromEnv({ VOICE_CONFIGURATION_SET: 'otp-voice' })).toThrow(
      /VOICE_ORIGINATION_IDENTITY/,
    );
  });
});

describe('the cascade variables', () => {
  const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/onetime-CascadeQueue1A2B3C';

  it("the start function's queue is optional (no cascade without it) and must be an SQS queue URL", () => {
    expect(cascadeQueueFromEnv({ CASCADE_QUEUE_URL: QUEUE })).toBe(QUEUE);
    expect(cascadeQueueFromEnv({})).toBeUndefined();
    expect(() => cascadeQueueFromEnv({ CASCADE_QUEUE_URL: 'CascadeQueue' })).toThrow(
      /CASCADE_QUEUE_URL must be an SQS queue URL/,
    );
  });

  it("the starter's state machine is required and must be an ARN", () => {
    expect(cascadeStateMachineFromEnv({ CASCADE_STATE_MACHINE_ARN: STATE_MACHINE })).toBe(STATE_MACHINE);
    expect(() => cascadeStateMachineFromEnv({})).toThrow(
      'environment variable CASCADE_STATE_MACHINE_ARN is not set',
    );
    expect(() => cascadeStateMachineFromEnv({ CASCADE_STATE_MACHINE_ARN: 'Cascade' })).toThrow(
      /must be a Step Functions state machine ARN/,
    );
  });

  it('OTP_CASCADE is the default cascade: its shape is checked at start-up', () => {
    const steps = [
      { channel: 'voice', afterSeconds: 30 },
      { channel: 'email', afterSeconds: 60 },
    ];
    expect(sendSettingsFromEnv({ OTP_CASCADE: JSON.stringify(steps) }).defaultCascade).toEqual(steps);
    expect(sendSettingsFromEnv({})).toEqual({});
    // Only the start function reads it: the others' settings ignore it.
    expect(settingsFromEnv({ OTP_CASCADE: JSON.stringify(steps) })).not.toHaveProperty('defaultCascade');
    expect(() => sendSettingsFromEnv({ OTP_CASCADE: '{' })).toThrow(/OTP_CASCADE must be a JSON array/);
    // A default step never names a destination: it would send every person's code there.
    expect(() =>
      sendSettingsFromEnv({ OTP_CASCADE: '[{"channel":"email","to":"ops@example.com","afterSeconds":60}]' }),
    ).toThrow(/names a `to`/);
    expect(() => sendSettingsFromEnv({ OTP_CASCADE: '[{"channel":"fax","afterSeconds":30}]' })).toThrow(
      /OTP_CASCADE \[0\]\.channel is not one of/,
    );
    expect(() => sendSettingsFromEnv({ OTP_CASCADE: '[{"channel":"sms","afterSeconds":0}]' })).toThrow(
      /afterSeconds is not a whole number/,
    );
    const four = Array.from({ length: 4 }, () => ({ channel: 'sms', afterSeconds: 10 }));
    expect(() => sendSettingsFromEnv({ OTP_CASCADE: JSON.stringify(four) })).toThrow(/more than 3 steps/);
  });
});

describe('emailAddressIn', () => {
  it('finds the address of a bare or a named From value, and none in anything else', () => {
    expect(emailAddressIn('no-reply@acme.example')).toBe('no-reply@acme.example');
    expect(emailAddressIn('"Acme" <no-reply@acme.example>')).toBe('no-reply@acme.example');
    expect(emailAddressIn('Acme < no-reply@acme.example >')).toBe('no-reply@acme.example');
    for (const none of ['', 'Acme', 'no-reply@acme', '"Acme" <>', 'a b@acme.example']) {
      expect(emailAddressIn(none), none).toBeUndefined();
    }
  });
});

describe('channelsFromEnv: the phone providers', () => {
  it('keeps SNS and SendVoiceMessage by default, and reads End User Messaging SMS with its set and protect configuration', () => {
    expect(channelsFromEnv({ SMS_PROVIDER: 'sns' }).sms).toEqual({});
    expect(
      channelsFromEnv({
        SMS_PROVIDER: 'end-user-messaging',
        SMS_ORIGINATION_NUMBER: '+18885550100',
        SMS_CONFIGURATION_SET: 'onetime-sms',
        SMS_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
        VOICE_ORIGINATION_IDENTITY: 'pool-0123',
        VOICE_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
      }),
    ).toEqual({
      sms: {
        provider: 'end-user-messaging',
        originationNumber: '+18885550100',
        configurationSetName: 'onetime-sms',
        protectConfigurationId: 'protect-0123456789abcdef',
      },
      voice: { originationIdentity: 'pool-0123', protectConfigurationId: 'protect-0123456789abcdef' },
    });
  });

  it('reads Notify for SMS and voice with its configuration and a template per locale', () => {
    expect(
      channelsFromEnv({
        SMS_PROVIDER: 'notify',
        VOICE_PROVIDER: 'notify',
        NOTIFY_CONFIGURATION_ID: 'nc-0123456789abcdef0',
        NOTIFY_TEMPLATE_IDS: '{"en":"notify-code-verification-english-001"}',
      }),
    ).toEqual({
      sms: { provider: 'notify' },
      voice: { provider: 'notify' },
      notify: {
        configurationId: 'nc-0123456789abcdef0',
        templateIds: { en: 'notify-code-verification-english-001' },
      },
    });
  });

  it.each([
    [{ SMS_PROVIDER: 'twilio' }, 'SMS_PROVIDER must be one of sns, end-user-messaging, notify'],
    [{ VOICE_PROVIDER: 'sns' }, 'VOICE_PROVIDER must be one of end-user-messaging, notify'],
    [{ SMS_PROVIDER: 'notify' }, 'NOTIFY_CONFIGURATION_ID is not set'],
    [{ NOTIFY_CONFIGURATION_ID: 'nc-1' }, 'neither SMS_PROVIDER nor VOICE_PROVIDER is notify'],
    [{ SMS_PROTECT_CONFIGURATION_ID: 'protect-1' }, 'SMS_PROVIDER is sns'],
    [
      { SMS_PROVIDER: 'notify', NOTIFY_CONFIGURATION_ID: 'nc-1', SMS_SENDER_ID: 'ACME' },
      'SMS_PROVIDER is notify',
    ],
    [
      { SMS_PROVIDER: 'notify', NOTIFY_CONFIGURATION_ID: 'nc-1', NOTIFY_TEMPLATE_IDS: '{"xx":"t"}' },
      'names "xx"',
    ],
    [
      {
        VOICE_PROVIDER: 'notify',
        NOTIFY_CONFIGURATION_ID: 'nc-1',
        VOICE_ORIGINATION_IDENTITY: '+18885550100',
      },
      'VOICE_PROVIDER is notify',
    ],
    [{ VOICE_PROTECT_CONFIGURATION_ID: 'protect-1' }, 'VOICE_ORIGINATION_IDENTITY is not'],
  ])('refuses %j, saying why', (env, why) => {
    expect(() => channelsFromEnv(env)).toThrow(why);
  });
});
