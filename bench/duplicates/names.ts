// Word lists for bench/duplicates/generate.ts, and the few helpers that read them. Every list is
// ordered from the most to the least common: the generator picks with Zipf-like weights (rank r weighs 1/r^s).

export type CountryCode = 'EG' | 'SA' | 'AE' | 'GB';
export type Origin = 'arabic' | 'english';

/** Arabic names in their most common Latin spelling (the key of TRANSLITERATIONS when it has others). */
// prettier-ignore
export const ARABIC_MALE = [
  'Mohamed', 'Ahmed', 'Mahmoud', 'Mostafa', 'Ali', 'Omar', 'Youssef', 'Hassan', 'Khaled', 'Amr', 'Karim',
  'Ibrahim', 'Abdallah', 'Tarek', 'Hussein', 'Abdelrahman', 'Eslam', 'Walid', 'Hesham', 'Sherif', 'Ayman',
  'Hany', 'Ashraf', 'Tamer', 'Adel', 'Osama', 'Ramy', 'Ziad', 'Hamza', 'Saeed', 'Yasser', 'Fahad', 'Faisal',
  'Sultan', 'Nasser', 'Majed', 'Saud', 'Turki', 'Rashid', 'Hamad', 'Ismail', 'Nawaf',
];

// prettier-ignore
export const ARABIC_FEMALE = [
  'Fatma', 'Mariam', 'Nour', 'Sara', 'Aya', 'Hana', 'Salma', 'Yasmin', 'Mona', 'Heba', 'Nada', 'Reem', 'Rana',
  'Dina', 'Noha', 'Esraa', 'Doaa', 'Aisha', 'Zeinab', 'Amira', 'Shaimaa', 'Mai', 'Radwa', 'Habiba', 'Malak',
  'Farida', 'Layla', 'Noura', 'Lama', 'Shahad', 'Dana', 'Huda', 'Asmaa', 'Amal',
];

// prettier-ignore
export const ENGLISH_MALE = [
  'John', 'James', 'Robert', 'Michael', 'William', 'David', 'Richard', 'Thomas', 'Joseph', 'Daniel',
  'Christopher', 'Matthew', 'Andrew', 'Charles', 'George', 'Edward', 'Anthony', 'Steven', 'Paul', 'Mark',
  'Oliver', 'Harry', 'Jack', 'Samuel', 'Benjamin', 'Alexander', 'Nicholas', 'Jonathan', 'Peter', 'Patrick',
];

// prettier-ignore
export const ENGLISH_FEMALE = [
  'Elizabeth', 'Sarah', 'Jennifer', 'Mary', 'Katherine', 'Emma', 'Jessica', 'Emily', 'Patricia', 'Olivia',
  'Susan', 'Margaret', 'Rebecca', 'Laura', 'Charlotte', 'Hannah', 'Rachel', 'Victoria', 'Sophie', 'Amy',
  'Lucy', 'Barbara', 'Samantha', 'Abigail', 'Alexandra', 'Christina', 'Deborah', 'Jacqueline',
];

/** Egyptian last names are often the father's or grandfather's first name; Gulf ones a family's. */
// prettier-ignore
export const ARABIC_LAST = [
  'Mohamed', 'Ahmed', 'Hassan', 'Mahmoud', 'Ali', 'Ibrahim', 'El-Sayed', 'Mostafa', 'Abdelrahman', 'Youssef',
  'Abdallah', 'Hussein', 'Khalil', 'Saleh', 'Salem', 'Abdelaziz', 'Gamal', 'Fathy', 'Hamdy', 'Soliman',
  'El-Masry', 'Osman', 'Farouk', 'Ragab', 'Shehata', 'Abdelhamid', 'Zaki', 'Naguib', 'Hegazy', 'Ashour',
  'El-Shafei', 'Al-Qahtani', 'Al-Otaibi', 'Al-Ghamdi', 'Al-Harbi', 'Al-Zahrani', 'Al-Shehri', 'Al-Mansouri',
  'Al-Hashimi', 'Al-Nuaimi', 'Al-Falasi', 'Al-Dosari',
];

// prettier-ignore
export const ENGLISH_LAST = [
  'Smith', 'Johnson', 'Brown', 'Williams', 'Jones', 'Taylor', 'Davies', 'Wilson', 'Evans', 'Thomas', 'Roberts',
  'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Harris',
  'Lewis', 'Martin', 'Jackson', 'Clarke', 'Turner', 'Hill', 'Scott', 'Cooper', 'Moore', 'King', 'Miller',
  'Anderson', 'Patel', 'Khan',
];

/** Other common Latin spellings of an Arabic name (first or last), besides the key itself. */
export const TRANSLITERATIONS: Record<string, string[]> = {
  Mohamed: ['Mohammed', 'Muhammad', 'Mohamad', 'Mohammad'],
  Ahmed: ['Ahmad'],
  Mahmoud: ['Mahmood', 'Mahmud'],
  Mostafa: ['Mustafa', 'Moustafa'],
  Ali: ['Aly'],
  Omar: ['Omer'],
  Youssef: ['Yousef', 'Youssif', 'Yusuf'],
  Hassan: ['Hasan'],
  Khaled: ['Khalid'],
  Amr: ['Amro'],
  Karim: ['Kareem'],
  Ibrahim: ['Ebrahim'],
  Abdallah: ['Abdullah', 'Abdalla'],
  Tarek: ['Tarik', 'Tariq'],
  Hussein: ['Hussain', 'Hosein'],
  Abdelrahman: ['Abdel Rahman', 'Abdulrahman', 'Abd El-Rahman'],
  Abdelaziz: ['Abdel Aziz', 'Abdulaziz'],
  Abdelhamid: ['Abdel Hamid', 'Abdulhamid'],
  Eslam: ['Islam'],
  Walid: ['Waleed'],
  Hesham: ['Hisham'],
  Osama: ['Usama', 'Ossama'],
  Ramy: ['Rami'],
  Ziad: ['Ziyad'],
  Saeed: ['Said'],
  Fahad: ['Fahd'],
  Majed: ['Majid'],
  Rashid: ['Rashed'],
  Ismail: ['Esmail'],
  Fatma: ['Fatima', 'Fatmah'],
  Mariam: ['Maryam', 'Mariem'],
  Nour: ['Noor'],
  Yasmin: ['Yasmine', 'Yasmeen'],
  Hana: ['Hanaa'],
  Reem: ['Rim'],
  Noha: ['Nuha'],
  Esraa: ['Israa'],
  Doaa: ['Duaa'],
  Aisha: ['Aysha', 'Aicha'],
  Zeinab: ['Zainab', 'Zaynab'],
  Shaimaa: ['Shaima'],
  Layla: ['Laila', 'Leila'],
  Huda: ['Hoda'],
  Asmaa: ['Asma'],
  Gamal: ['Jamal'],
  Fathy: ['Fathi'],
  Hamdy: ['Hamdi'],
  Soliman: ['Suleiman', 'Sulaiman'],
  Osman: ['Othman'],
  Hegazy: ['Hegazi', 'Higazi'],
};

/** Familiar forms of English first names. */
export const NICKNAMES: Record<string, string[]> = {
  Robert: ['Bob', 'Rob', 'Bobby'],
  William: ['Bill', 'Will', 'Billy'],
  Elizabeth: ['Liz', 'Beth', 'Lizzie'],
  Katherine: ['Kate', 'Katie', 'Kathy'],
  Michael: ['Mike', 'Mick'],
  Jennifer: ['Jen', 'Jenny'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  John: ['Johnny', 'Jack'],
  Richard: ['Rick', 'Richie'],
  Thomas: ['Tom', 'Tommy'],
  Joseph: ['Joe', 'Joey'],
  Daniel: ['Dan', 'Danny'],
  Christopher: ['Chris'],
  Matthew: ['Matt'],
  Andrew: ['Andy', 'Drew'],
  Charles: ['Charlie'],
  Edward: ['Ed', 'Eddie', 'Ted'],
  Anthony: ['Tony'],
  Steven: ['Steve'],
  Samuel: ['Sam'],
  Benjamin: ['Ben'],
  Alexander: ['Alex'],
  Nicholas: ['Nick'],
  Jonathan: ['Jon'],
  Peter: ['Pete'],
  Patrick: ['Pat'],
  David: ['Dave'],
  Patricia: ['Pat', 'Patty', 'Tricia'],
  Margaret: ['Maggie', 'Meg'],
  Jessica: ['Jess'],
  Rebecca: ['Becky', 'Becca'],
  Victoria: ['Vicky', 'Tori'],
  Susan: ['Sue'],
  Abigail: ['Abby'],
  Alexandra: ['Alex', 'Lexi'],
  Christina: ['Tina'],
  Samantha: ['Sam'],
  Deborah: ['Debbie'],
  Jacqueline: ['Jackie'],
};

// prettier-ignore
export const CITIES: Record<CountryCode, string[]> = {
  EG: ['Cairo', 'Giza', 'Alexandria', 'New Cairo', '6th of October', 'Mansoura', 'Tanta', 'Zagazig', 'Ismailia',
    'Port Said', 'Suez', 'Hurghada', 'Luxor', 'Aswan'],
  SA: ['Riyadh', 'Jeddah', 'Dammam', 'Mecca', 'Medina', 'Khobar', 'Taif'],
  AE: ['Dubai', 'Abu Dhabi', 'Sharjah', 'Ajman', 'Al Ain'],
  GB: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Glasgow', 'Liverpool', 'Bristol', 'Edinburgh'],
};
export const COUNTRIES = Object.keys(CITIES) as CountryCode[];

/** Where people with names of an origin live (weights). */
// prettier-ignore
export const ORIGIN_COUNTRIES: Record<Origin, Array<[CountryCode, number]>> = {
  arabic: [['EG', 60], ['SA', 20], ['AE', 14], ['GB', 6]],
  english: [['GB', 70], ['AE', 20], ['EG', 7], ['SA', 3]],
};

/**
 * A mobile: calling code, the first digits of its national significant number, how many digits
 * follow, and how people group the national number when they write it with spaces or dashes.
 */
export const MOBILE_PLANS: Record<CountryCode, { code: string; prefixes: string[]; rest: number; groups: number[] }> = {
  EG: { code: '20', prefixes: ['10', '11', '12', '15'], rest: 8, groups: [3, 3, 4] },
  SA: { code: '966', prefixes: ['50', '53', '54', '55', '56', '58', '59'], rest: 7, groups: [2, 3, 4] },
  AE: { code: '971', prefixes: ['50', '52', '54', '55', '56', '58'], rest: 7, groups: [2, 3, 4] },
  GB: { code: '44', prefixes: ['71', '73', '74', '75', '77', '78', '79'], rest: 8, groups: [4, 6] },
};

/** Free mail providers, most used first. */
export const FREE_DOMAINS = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'];

/** Made-up employers' domains: the work addresses. */
// prettier-ignore
export const COMPANY_DOMAINS = [
  'nilebank.com.eg', 'deltatextiles.com', 'cairotelecom.com.eg', 'gulfretail.ae', 'desertenergy.sa',
  'falconlogistics.ae', 'thamesconsulting.co.uk', 'pyramidsoft.io', 'redseahotels.com', 'arabiancontracting.com',
];

/** Handles without a nickname: `${first}_${word}` or `${word}${first}`, then two digits. */
export const EMAIL_WORDS = ['star', 'cool', 'real', 'official', 'pro', 'eg', 'life', 'xo'];
export const EMAIL_TAGS = ['shop', 'promo', 'orders', 'deals', 'news', 'store'];
export const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/**
 * How an extra record of a person differs from the first, by the field it touches (a record gets at
 * most one corruption per group): each group's weight, and its kinds' weights.
 */
export const CORRUPTIONS = {
  name: { weight: 35, kinds: { nameTypo: 35, nickname: 20, transliteration: 30, swappedNames: 15 } },
  email: { weight: 25, kinds: { emailDots: 20, emailTag: 15, emailDomain: 20, emailNew: 25, emailMissing: 20 } },
  mobile: { weight: 20, kinds: { mobileNational: 35, mobileFormatted: 30, mobileTypo: 15, mobileMissing: 20 } },
  dob: { weight: 10, kinds: { dobMissing: 1 } },
  city: { weight: 10, kinds: { cityMissing: 1, cityMoved: 1 } },
} as const;
export type CorruptionGroup = keyof typeof CORRUPTIONS;
export type CorruptionKind = { [G in CorruptionGroup]: keyof (typeof CORRUPTIONS)[G]['kinds'] }[CorruptionGroup];
export const GROUP_WEIGHTS = Object.entries(CORRUPTIONS).map(
  ([g, { weight }]) => [g as CorruptionGroup, weight] as const,
);
export const kindsOf = (group: CorruptionGroup) =>
  Object.entries(CORRUPTIONS[group].kinds) as Array<[CorruptionKind, number]>;
/** A duplicate with one of `names` and each of `others` that applies keeps no strong signal: the hard ones. */
export const HARD: Record<'names' | 'others', CorruptionKind[]> = {
  names: ['nickname', 'transliteration', 'nameTypo'],
  others: ['emailNew', 'mobileMissing'],
};

export const firstNames = (origin: Origin, male: boolean) =>
  origin === 'arabic' ? (male ? ARABIC_MALE : ARABIC_FEMALE) : male ? ENGLISH_MALE : ENGLISH_FEMALE;
const GULF = (name: string) => name.startsWith('Al-');
/** Gulf family names (Al-…) come first in the Gulf and are left out in Egypt. */
export const lastNames = (origin: Origin, country: CountryCode) => {
  if (origin === 'english') return ENGLISH_LAST;
  if (country === 'EG') return ARABIC_LAST.filter((n) => !GULF(n));
  return country === 'GB' ? ARABIC_LAST : [...ARABIC_LAST.filter(GULF), ...ARABIC_LAST.filter((n) => !GULF(n))];
};
/** Among the most common first and last names of its origin: namesakes are made for such names. */
export const isCommonName = (p: { origin: Origin; male: boolean; first: string; last: string; country: CountryCode }) =>
  firstNames(p.origin, p.male).indexOf(p.first) < 8 && lastNames(p.origin, p.country).indexOf(p.last) < 12;
/** A name as it goes in an email address. */
export const ascii = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');
/** An email's mailbox as most providers read it: case, dots and a +tag of the local part do not count. */
export function canonicalEmail(email: string): string {
  const [local = '', domain = ''] = email.toLowerCase().split('@');
  return `${local.split('+')[0]!.replaceAll('.', '')}@${domain}`;
}

/** Each spelling of a name → its other spellings. */
const SPELLINGS = new Map(
  Object.entries(TRANSLITERATIONS).flatMap(([name, others]) =>
    [name, ...others].map((s) => [s, [name, ...others].filter((o) => o !== s)] as const),
  ),
);

/** Other Latin spellings of a name: TRANSLITERATIONS, and an El-/Al- prefix written apart or joined. */
export function spellingsOf(name: string): string[] {
  const prefixed = /^(El|Al)-(.+)$/.exec(name);
  if (!prefixed) return SPELLINGS.get(name) ?? [];
  const [, p, rest] = prefixed as unknown as [string, string, string];
  return [`${p}${rest.toLowerCase()}`, `${p} ${rest}`, p === 'El' ? `Al-${rest}` : `${p}${rest}`];
}

/**
 * A typo in a name: a letter swapped for a neighbouring key, dropped, doubled or mistyped in, or two
 * letters transposed. The initial stays right (it rarely is the wrong one). `int(n)` is the caller's
 * random integer below n.
 */
export function typo(name: string, int: (n: number) => number): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const chars = [...name];
    const i = 1 + int(chars.length - 1);
    const c = chars[i]!;
    const row = KEYBOARD_ROWS.find((r) => r.includes(c.toLowerCase()));
    if (!row) continue; // a space or a hyphen
    const at = row.indexOf(c.toLowerCase());
    const near = row[at === 0 ? 1 : at === row.length - 1 ? at - 1 : at + 2 * int(2) - 1]!;
    const op = (['substitution', 'deletion', 'insertion', 'transposition'] as const)[int(4)];
    if (op === 'substitution') chars[i] = c === c.toUpperCase() ? near.toUpperCase() : near;
    if (op === 'deletion' && chars.length > 3) chars.splice(i, 1);
    if (op === 'insertion') chars.splice(i, 0, int(2) === 0 ? c : near);
    if (op === 'transposition' && i + 1 < chars.length) [chars[i], chars[i + 1]] = [chars[i + 1]!, c];
    if (chars.join('') !== name) return chars.join('');
  }
  return name + name.at(-1);
}
