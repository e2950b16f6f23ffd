/**
 * The key vocabulary in the languages of the EU desks (and a few more the same apps meet): how
 * "password", "secret" and "API key" / "private key" are written in German, French, Spanish,
 * Portuguese, Dutch, Polish, Russian, Japanese, Chinese, the Nordic, Baltic and Central European
 * languages. An app written there names its own event fields and config keys so (`Passwort`,
 * `mot_de_passe`, `contraseña`, `hasło`, `пароль`, `パスワード`, `密码`), and its people write them in
 * notes. "Token" is written `token` in German, French, Dutch, Polish and Spanish: the English rules hold.
 */

/**
 * Sensitive wherever they appear in a key (lower-cased, separators removed: `mot de passe`,
 * `mot_de_passe` and `motDePasse` are all `motdepasse`): long or outside ASCII, so no English key
 * holds them by chance.
 */
export const FOREIGN_KEY_FRAGMENTS: readonly string[] = Object.freeze([
  // password
  'passwort', // de
  'kennwort', // de
  'motdepasse', // fr
  'wachtwoord', // nl
  'hasło', // pl
  'lösenord', // sv
  'losenord',
  'adgangskode', // da
  'kodeord', // da
  'salasana', // fi
  'salasõna', // et
  'jelszó', // hu
  'jelszo',
  'slaptažodis', // lt
  'slaptazodis',
  'lozinka', // hr, sr, bs
  'parolă', // ro
  'clavedeacceso', // es "access key/password"
  'пароль', // ru, uk, bg
  'パスワード', // ja
  '暗証番号', // ja: a PIN
  '密码', // zh (simplified)
  '密碼', // zh (traditional)
  '비밀번호', // ko
  // secret
  'geheimnis', // de
  'segredo', // pt
  'segreto', // it
  'sekret', // pl
  'секрет', // ru
  '秘密', // ja, zh
  // API key, private key (compounds and scripts without spaces)
  'apischlüssel', // de
  'apischluessel',
  'privatschlüssel',
  'privaterschlüssel',
  'geheimschlüssel',
  'zugangsschlüssel',
  'apiキー', // ja
  '秘密鍵', // ja: private key
  '密钥', // zh: a cryptographic key
  '秘钥',
  '私钥', // zh: private key
]);

/** Sensitive as a whole word of the key (short: as a fragment they sit inside English words). */
export const FOREIGN_KEY_WORDS: readonly string[] = Object.freeze([
  'senha', // pt (inside "chosenHandler")
  'haslo', // pl without its ł (inside "hasLogin")
  'heslo', // cs, sk (inside "the_slot")
  'geslo', // sl
  'passord', // no (inside "bypassOrder")
]);

/** "key" as a noun in those languages: sensitive next to a qualifier ("clé API", "clave privada"). */
const KEY_NOUNS: ReadonlySet<string> = new Set(
  'schlüssel schluessel clé cle clef clave chave sleutel klucz ключ chiave nyckel nøgle nogle avain klíč kľúč kulcs ključ'.split(
    ' ',
  ),
);
/** Words that make such a key noun a secret, before or after it. */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set(
  (
    'api privé privée prive privee privada privado privata privato privat privater privaten prywatny geheimer ' +
    'geheime geheim secreta secreto secrète secrete segreta acceso acesso accès acces accesso dostępu zugang ' +
    'zugangs signatur firma chiffrement cifrado закрытый секретный'
  ).split(' '),
);

/**
 * True if a key names an API or private key in one of those languages, written in words
 * (`clé_api`, `API-Schlüssel`, `clave privada`, `chave de API`, `API-ключ`): a key noun next to a
 * qualifier, with at most a linking word ("de", "di", "da") between them.
 */
export function isForeignKeyName(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && w !== 'de' && w !== 'di' && w !== 'da' && w !== 'do' && w !== 'du' && w !== 'del');
  for (let i = 0; i < words.length; i++) {
    if (!KEY_NOUNS.has(words[i] as string)) continue;
    if (KEY_QUALIFIERS.has(words[i - 1] as string) || KEY_QUALIFIERS.has(words[i + 1] as string)) return true;
  }
  return false;
}
