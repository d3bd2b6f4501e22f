export interface PushDevice {
  deviceToken: string;
  osType?: string;
  pushProvider?: string;
  updatedAt: string;
}

/** What one person's profile holds, apart from its ids. */
export interface ProfileState {
  email: string | null;
  mobile: string | null;
  /** Every customerAttributes key except email, mobile and custom — unknown ones included. */
  attributes: Record<string, unknown>;
  custom: Record<string, unknown>;
  pushDevices: PushDevice[];
  guest: boolean;
  isActive: boolean;
  referralCode: string | null;
  isReferred: boolean;
  /** Case preserved, unique case-insensitively, in the order they were attached. */
  tags: string[];
}

export interface Profile extends ProfileState {
  gameballId: number;
  accountId: string;
  emailKey: string | null;
  mobileKey: string | null;
  createdAt: string;
  updatedAt: string;
  /** The profile's newest history entry (its history is a chain from there); null: none. */
  historyHead: number | null;
}
