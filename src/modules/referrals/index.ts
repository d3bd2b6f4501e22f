// The referrals module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { generateReferralCode, referralLink } from './referral-code.js';
export { recordReferral, referralIsComplete } from './referral-rules.js';
export {
  countReferralsByStatus,
  listFriendsOf,
  type ReferralLink,
  moveReferrals,
  referralsOfProfile,
  type ReferralStatus,
} from './referrals.store.js';
