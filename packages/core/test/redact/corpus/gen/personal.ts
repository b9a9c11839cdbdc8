// Personal data in logs: emails, card numbers, US SSNs and phone numbers, in the JSON bodies,
// CSV exports, SQL, form posts and prose where they leak.
import { Rng } from './rng.js';
import type { Maker } from './contexts.js';
import { secret } from './types.js';
import * as v from './values.js';

function personalMakers(kind: string, make: (rng: Rng) => string, fields: string[], lines: Array<(x: string, rng: Rng) => string>): Maker[] {
  return [
    (rng) => {
      const value = make(rng);
      const field = rng.pick(fields);
      const text = rng.pick([
        `{"user_id":${rng.int(1000, 999999)},"${field}":"${value}","plan":"${rng.pick(['free', 'pro', 'team'])}"}`,
        `${field}=${value}`,
        `${field}: "${value}"`,
        `UPDATE customers SET ${field} = '${value}' WHERE id = '${v.uuid(rng)}';`,
      ]);
      return { text, secrets: [secret(kind, value)] };
    },
    (rng) => {
      const value = make(rng);
      return { text: rng.pick(lines)(value, rng), secrets: [secret(kind, value)] };
    },
  ];
}

const name = (rng: Rng) => {
  const p = v.person(rng);
  return `${p.first[0]!.toUpperCase()}${p.first.slice(1)} ${p.last[0]!.toUpperCase()}${p.last.slice(1)}`;
};

export const personalMakersByKind: Record<string, Maker[]> = {
  email: personalMakers('email', v.email, ['email', 'user_email', 'billing_email', 'contact'], [
    (x) => `user ${x} signed in from new device`,
    (x, rng) => `From: ${name(rng)} <${x}>`,
    (x, rng) => `Author: ${name(rng)} <${x}>\nDate:   Thu Nov 26 18:02:11 2026 +0100`,
    (x, rng) => `id,name,email,created_at\n${rng.int(1, 9999)},${name(rng)},${x},2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}`,
    (x) => `SELECT id FROM users WHERE email = '${x}' LIMIT 1;`,
    (x) => `<a href="mailto:${x}">Contact support</a>`,
    (x) => `SMTP 550 5.1.1 <${x}>: Recipient address rejected: User unknown`,
    (x) => `password reset requested for ${x} (ip 203.0.113.${'42'})`,
    (x) => `Error: duplicate key value violates unique constraint "users_email_key" DETAIL: Key (email)=(${x}) already exists.`,
  ]),
  'card-number': personalMakers('card-number', (rng) => v.cardNumber(rng), ['card_number', 'cc', 'pan', 'cardNumber'], [
    (x) => `charge failed for card ${x}: card_declined`,
    (x, rng) => `order_id,amount,card\nord_${rng.int(10000, 99999)},${rng.int(1, 999)}.${rng.pad(rng.int(0, 99), 2)},${x}`,
    (x) => `payment form submitted: number=${x}&exp=12/29&name=A+Lovelace`,
    (x) => `INSERT INTO payments (card, amount_cents) VALUES ('${x}', 1999);`,
    (x) => `ValidationError: card ${x} expired`,
    (x) => `customer read back card number ${x} over the phone`,
  ]),
  'us-ssn': personalMakers('us-ssn', (rng) => v.ssn(rng), ['ssn', 'tin', 'social_security_number', 'taxId'], [
    (x) => `W-9 received: tin_type=SSN tin=${x} name="Grace Hopper"`,
    (x, rng) => `employee_id,name,ssn\n${rng.int(100, 999)},${name(rng)},${x}`,
    (x) => `SSN ${x} failed verification with the IRS TIN matching service`,
    (x) => `INSERT INTO tax_profiles (user_id, ssn) VALUES (17, '${x}');`,
    (x) => `payout blocked: SSN: ${x} does not match legal name`,
  ]),
  'phone-number': personalMakers('phone-number', v.phone, ['phone', 'phone_number', 'mobile', 'tel'], [
    (x) => `Call me back at ${x} after 5pm`,
    (x) => `sms to ${x} queued (segments=1)`,
    (x, rng) => `name,phone,city\n${name(rng)},${x},${rng.pick(['Austin', 'London', 'Sydney', 'Paris'])}`,
    (x) => `Phone: <b>${x}</b>`,
    (x) => `twilio: message to ${x} failed: 21211 invalid 'To' number`,
    (x) => `contact: ${x}`,
  ]),
};
