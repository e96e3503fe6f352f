/** Which field names say their value is PII or a secret. */

/** The last one to three words of a field name that say it holds PII or a secret. */
const PII_HEADS = new Set([
  'email',
  'emails',
  'mail',
  'email_address',
  'emailaddress',
  'phone',
  'phones',
  'phone_number',
  'phonenumber',
  'mobile',
  'mobile_number',
  'mobilenumber',
  'tel',
  'telephone',
  'fax',
  'msisdn',
  'ssn',
  'social_security',
  'social_security_number',
  'socialsecuritynumber',
  'national_id',
  'passport',
  'passport_number',
  'card',
  'cards',
  'card_number',
  'cardnumber',
  'credit_card',
  'creditcard',
  'cc_number',
  'ccnumber',
  'cc_num',
  'pan',
  'cvv',
  'cvc',
  'iban',
  'account_number',
  'bank_account',
  'cardholder',
  'cardholder_name',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'password_hash',
  'secret',
  'secrets',
  'token',
  'api_key',
  'apikey',
  'private_key',
  'secret_key',
  'access_key',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'first_name',
  'firstname',
  'last_name',
  'lastname',
  'full_name',
  'fullname',
  'given_name',
  'givenname',
  'family_name',
  'familyname',
  'middle_name',
  'maiden_name',
  'surname',
  'forename',
  'user_name',
  'username',
  'customer_name',
  'contact_name',
  'person_name',
  'patient_name',
  'holder_name',
  'legal_name',
  'address',
  'addresses',
  'street',
  'street_address',
  'address_line',
  'postcode',
  'post_code',
  'postal_code',
  'zip_code',
  'zipcode',
  'dob',
  'date_of_birth',
  'dateofbirth',
  'birth_date',
  'birthdate',
  'birthday',
  'ip',
  'ips',
  'ip_address',
  'ipaddress',
  'ip_addr',
  'remote_addr',
  'forwarded_for',
]);
/** Names that end like PII but are not. */
const NOT_PII_HEADS = new Set([
  'mac_address',
  'memory_address',
  'listen_address',
  'bind_address',
  'server_address',
  'host_address',
  'base_address',
  'model_card',
  'data_card',
  'dataset_card',
]);

/** `userEmail`, `user-email`, `USER_EMAIL` → user, email; trailing digits dropped (address_line1, cvv2). */
export function wordsOf(name: string): string[] {
  const spaced = name
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
  const words: string[] = [];
  for (const w of spaced.split(/[^a-z\d]+/)) {
    const word = /^ipv[46]$/.test(w) ? 'ip' : w.replace(/\d+$/, '');
    if (word) words.push(word);
  }
  return words;
}

/**
 * The name's head (its last words) decides, so `user_email` and `access_token`
 * are PII while `email_count`, `token_count`, `max_tokens` and `model_name` are not.
 */
export function isBuiltInPiiName(name: string): boolean {
  const w = wordsOf(name);
  const n = w.length;
  if (!n) return false;
  const h1 = w[n - 1]!;
  const h2 = n > 1 ? `${w[n - 2]}_${h1}` : '';
  const h3 = n > 2 ? `${w[n - 3]}_${h2}` : '';
  if (NOT_PII_HEADS.has(h2)) return false;
  return PII_HEADS.has(h1) || PII_HEADS.has(h2) || PII_HEADS.has(h3);
}
