import { joinSpelledOutLetters, normaliseForMatching } from './normalise-text.js';

/** What kind of secret a text looks like it holds; memory refuses to keep these unless a person confirms. */
export type SensitiveKind = 'PAYMENT_CARD' | 'PASSWORD' | 'API_KEY' | 'TOKEN' | 'GOVERNMENT_ID' | 'BANK_ACCOUNT';

const PATTERNS: Array<{ kind: SensitiveKind; pattern: RegExp }> = [
  // Keys of the common providers, and anything introduced as a key or secret.
  { kind: 'API_KEY', pattern: /\b(sk|pk|rk)[-_](live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{16,}/ },
  { kind: 'API_KEY', pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{30,}|\bmxg_[A-Za-z0-9]+_[A-Za-z0-9]+/ },
  { kind: 'API_KEY', pattern: /\b(api[-_ ]?key|secret([-_ ]?key)?|access[-_ ]?key|client[-_ ]?secret)\b\s*(is|[:=])\s*\S{8,}/i },
  { kind: 'TOKEN', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*|-----BEGIN [A-Z ]*PRIVATE KEY-----/i },
  // US SSN, UK NI number, and ids introduced as such (passport, driver's licence, national id, tax id).
  { kind: 'GOVERNMENT_ID', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b|\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/ },
  { kind: 'GOVERNMENT_ID', pattern: /\b(ssn|social security( number)?|passport( number| no\.?)?|driver'?s? licen[cs]e( number)?|national id( number)?|tax id)\b\s*(is|[:=#])?\s*[A-Z0-9]*\d[A-Z0-9 -]{4,}/i },
  { kind: 'BANK_ACCOUNT', pattern: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b|\b(account|routing|iban|sort code)( number| no\.?)?\b\s*(is|[:=#])?\s*\d[\d -]{5,}/i },
];

/** Words for a password (or PIN) in common languages, in scripts that put spaces between words. */
const PASSWORD_WORDS = [
  'password', 'passwords', 'passphrase', 'passcode', 'passwd', 'pwd', 'pin', 'pin ?code', // en
  'passwort', 'kennwort', 'geheimzahl', // de
  'mot de passe', 'mdp', 'code secret', // fr
  'contraseña', 'contrasena', 'clave', // es
  'parola d\'ordine', 'parola chiave', // it
  'senha', 'palavra-passe', // pt
  'wachtwoord', // nl
  'hasło', 'haslo', // pl
  'пароль', 'пин-код', // ru
  'şifre(?:m|si|niz)?', 'sifre', 'parola(?:m|sı)?', // tr
  'lösenord', 'passord', 'adgangskode', 'salasana', 'heslo', 'jelszó', // sv, no, da, fi, cs, hu
  'كلمة المرور', 'كلمة السر', 'رمز المرور', // ar
];
/** The same in scripts without spaces between words (zh, ja, ko): no word boundary to look for. */
const PASSWORD_WORDS_UNSPACED = ['密码', '密碼', '口令', 'パスワード', '暗証番号', '비밀번호', '암호', '패스워드'];
/** What introduces the value: a colon or equals sign, a copula (is, ist, est, es, è, é, jest, to, это, هي, 是, は, 는…), or a value with a digit in it. */
const CONNECTOR =
  String.raw`(?:\s*[:=]\s*|\s+(?:is|was|ist|war|lautet|est|était|es|era|è|é|jest|to|это|هي|هو)\s+|\s*(?:是|为|為|は|が|는|은|:)\s*|\s+(?=\S*\d))`;
const PASSWORD = new RegExp(
  String.raw`(?:(?<![\p{L}\p{N}])(?:${PASSWORD_WORDS.join('|')})(?![\p{L}\p{N}])|(?:${PASSWORD_WORDS_UNSPACED.join('|')}))${CONNECTOR}\S+`,
  'iu',
);

/** Runs of 13 to 19 digits, with up to three separators (spaces, dots, dashes, slashes) between them: candidate card numbers. */
const DIGIT_RUN = /(?:\d[\s.\-‐-―_/·]{0,3}){12,18}\d/g;

/** The kinds of sensitive data `text` appears to contain (empty when none). */
export function findSensitiveData(text: string): SensitiveKind[] {
  const normalised = normaliseForMatching(text);
  const found = new Set<SensitiveKind>();
  for (const { kind, pattern } of PATTERNS) if (pattern.test(normalised)) found.add(kind);
  if (PASSWORD.test(normalised) || PASSWORD.test(joinSpelledOutLetters(normalised))) found.add('PASSWORD');
  for (const match of normalised.matchAll(DIGIT_RUN)) {
    if (passesLuhn(match[0].replace(/\D/g, ''))) found.add('PAYMENT_CARD');
  }
  return [...found];
}

/** The check digit every payment card number carries. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Every string in a JSON value, with its keys: "password": "x" is caught by its key. */
export function findSensitiveInJson(value: unknown): SensitiveKind[] {
  const found = new Set<SensitiveKind>();
  const visit = (node: unknown, key: string | undefined) => {
    if (typeof node === 'string' || typeof node === 'number') {
      const text = key ? `${key.replace(/[_-]/g, ' ')}: ${node}` : String(node);
      for (const kind of findSensitiveData(text)) found.add(kind);
    } else if (Array.isArray(node)) node.forEach((item) => visit(item, key));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  visit(value, undefined);
  return [...found];
}
