import safeRegex from 'safe-regex2';
import { invalid } from '../../errors.js';

/** How many entries an account's own list may hold, and how long each may be. */
export const MAX_MERGE_BLOCKS = 200;
const MAX_ENTRY_LENGTH = 254;

/** `/pattern/` or `/pattern/i`: a regular expression entry; anything else is an exact email or mobile. */
const REGEX_ENTRY = /^\/(.+)\/(i?)$/s;

/**
 * Checks an account's own blocked values (docs/identity.md "Merge protection"): each is an exact
 * email or mobile, or a regular expression that compiles and cannot backtrack catastrophically
 * (safe-regex2's star-height check: every write of the account runs it). Answers them trimmed,
 * without repeats.
 */
export function checkMergeBlocks(entries: readonly string[]): string[] {
  const out = [...new Set(entries.map((e) => e.trim()))];
  if (out.length > MAX_MERGE_BLOCKS) throw invalid('mergeBlocks', `holds at most ${MAX_MERGE_BLOCKS} values`);
  for (const entry of out) {
    if (entry === '' || entry.length > MAX_ENTRY_LENGTH)
      throw invalid('mergeBlocks', `each value must be 1 to ${MAX_ENTRY_LENGTH} characters`);
    const regex = REGEX_ENTRY.exec(entry);
    if (regex) {
      let compiled: RegExp;
      try {
        compiled = new RegExp(regex[1]!, regex[2]);
      } catch (error) {
        throw invalid('mergeBlocks', `${entry} is not a valid regular expression (${(error as Error).message})`);
      }
      if (!safeRegex(compiled))
        throw invalid(
          'mergeBlocks',
          `${entry} could take exponential time on some values (nested repetition); write it without a repeated group inside a repetition`,
        );
    } else if (!entry.includes('@') && !/\d{5}/.test(entry.replace(/\D/g, ''))) {
      throw invalid('mergeBlocks', `${entry} is neither an email, a mobile number nor a /regex/`);
    }
  }
  return out;
}
