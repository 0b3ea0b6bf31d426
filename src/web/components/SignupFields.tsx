import { useState } from 'react';

/** The sign-up form's extra fields: display name, and the invite / setup codes when needed. */

export interface SignupValues {
  displayName: string;
  inviteCode: string;
  setupCode: string;
}

/** `none`: folded behind "I have an invite or setup code"; `never`: not offered (the admin account on a private install). */
export type CodeFields = 'none' | 'never' | 'invite' | 'setup' | 'both';

interface Props {
  values: SignupValues;
  onChange: (values: SignupValues) => void;
  /** Which code fields show at once: the server needs them (or an invite link filled one in). */
  codes: CodeFields;
}

export function SignupFields({ values, onChange, codes }: Props) {
  // Folded codes open on request (someone holding an invite on an open server).
  const [opened, setOpened] = useState(false);
  const shown = opened && codes === 'none' ? 'both' : codes;
  const set = (patch: Partial<SignupValues>) => onChange({ ...values, ...patch });
  return (
    <>
      <label className="field">
        <span>
          Display name <span className="muted">(optional)</span>
        </span>
        <input
          name="displayName"
          autoComplete="nickname"
          maxLength={80}
          value={values.displayName}
          onChange={(e) => set({ displayName: e.target.value })}
        />
      </label>
      {(shown === 'invite' || shown === 'both') && (
        <label className="field">
          <span>
            Invite code <span className="muted">(from an admin, if the server needs one)</span>
          </span>
          <input
            name="inviteCode"
            autoComplete="off"
            maxLength={200}
            value={values.inviteCode}
            onChange={(e) => set({ inviteCode: e.target.value })}
          />
        </label>
      )}
      {(shown === 'setup' || shown === 'both') && (
        <label className="field">
          <span>
            Setup code <span className="muted">(first account on a new server: from its log)</span>
          </span>
          <input
            name="setupCode"
            autoComplete="off"
            maxLength={200}
            value={values.setupCode}
            onChange={(e) => set({ setupCode: e.target.value })}
          />
        </label>
      )}
      {shown === 'none' && (
        <button type="button" className="link-btn auth-codes-toggle" onClick={() => setOpened(true)}>
          I have an invite or setup code
        </button>
      )}
    </>
  );
}
