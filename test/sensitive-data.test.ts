import { describe, expect, it } from 'vitest';
import { findSensitiveData, findSensitiveInJson } from '../src/core/memory/sensitive-data.js';

/** The detector alone: what a person might type, spelled the ways that slipped past it before. */
const toFullWidth = (digits: string) => digits.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)));
const toArabicIndic = (digits: string) => digits.replace(/\d/g, (d) => String.fromCodePoint(0x0660 + Number(d)));
const toDevanagari = (digits: string) => digits.replace(/\d/g, (d) => String.fromCodePoint(0x0966 + Number(d)));

describe('findSensitiveData', () => {
  it.each([
    ['card with spaces', 'card 4111 1111 1111 1111'],
    ['card with dots', 'card 4111.1111.1111.1111'],
    ['card with zero-width spaces', 'card 4111\u200b1111\u200b1111\u200b1111'],
    ['card in full-width digits', `card ${toFullWidth('4111 1111 1111 1111')}`],
    ['card in Arabic-Indic digits', `بطاقة ${toArabicIndic('4111111111111111')}`],
    ['card in Devanagari digits', toDevanagari('4242-4242-4242-4242')],
    ['card with spaced dashes', '4242 - 4242 - 4242 - 4242'],
  ])('finds a payment card: %s', (_name, text) => {
    expect(findSensitiveData(text)).toContain('PAYMENT_CARD');
  });

  it.each([
    ['en', 'my password is hunter2'],
    ['en, spelled out', 'p a s s w o r d: hunter2'],
    ['en, dotted', 'my p.a.s.s.w.o.r.d is hunter2'],
    ['en, zero-width inside', 'pass\u200bword: hunter2'],
    ['en, full-width', 'ｐａｓｓｗｏｒｄ：hunter2'],
    ['en, pin', 'my pin 4821'],
    ['de', 'Mein Passwort ist geheim123'],
    ['de, Kennwort', 'Kennwort: Sommer2024'],
    ['fr', 'mon mot de passe est soleil'],
    ['es', 'mi contraseña es gato'],
    ['it', 'la password è cane'],
    ['pt', 'minha senha é banana'],
    ['nl', 'mijn wachtwoord is fiets'],
    ['pl', 'moje hasło to kot'],
    ['ru', 'мой пароль: qwerty'],
    ['tr', 'şifrem: elma'],
    ['ar', 'كلمة المرور: سر'],
    ['zh', '我的密码是abc'],
    ['ja', 'パスワードはneko'],
    ['ko', '비밀번호는 hunter'],
  ])('finds a password: %s', (_name, text) => {
    expect(findSensitiveData(text)).toContain('PASSWORD');
  });

  it.each([
    ['a card number that fails Luhn', '4111 1111 1111 1112'],
    ['a date and time', 'the meeting is on 2026.12.07 at 14.30'],
    ['a phone number', 'call +47 22 33 44 55'],
    ['talk of passwords', 'I forgot my password again, can you help me reset it?'],
    ['a word spelled normally', 'a passing remark about the pin board'],
    ['Italian "and"', 'password e nome utente'],
    ['an ordinary sentence', 'I like dark mode and work nights as a nurse'],
  ])('finds nothing in %s', (_name, text) => {
    expect(findSensitiveData(text)).toEqual([]);
  });

  it('reads a JSON key in another language as what it introduces', () => {
    expect(findSensitiveInJson({ konto: { Passwort: 'geheim' } })).toContain('PASSWORD');
    expect(findSensitiveInJson({ 'mot-de-passe': 'soleil' })).toContain('PASSWORD');
  });
});
