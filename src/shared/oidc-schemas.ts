import { Type } from 'typebox';

/** Shapes of the single sign-on (OpenID Connect) routes and the public sign-in options. */

/** `GET /api/auth/providers` (public): how the sign-in page should offer sign-in. */
export const AuthProvidersResponse = Type.Object({
  oidc: Type.Object({
    enabled: Type.Boolean(),
    /** The button reads "Sign in with <label>". */
    label: Type.Union([Type.String(), Type.Null()]),
  }),
  /** false under OIDC_ONLY: the password form is hidden and password sign-in/sign-up refused. */
  localSignIn: Type.Boolean(),
  /** Whether password sign-up is offered (false under OIDC_ONLY or AUTH_MODE=none). */
  localSignUp: Type.Boolean(),
  /** SIGNUP: who may create an account after the first (the page hides "Create one" when closed). */
  signup: Type.Optional(
    Type.Union([
      Type.Literal('open'),
      Type.Literal('approval'),
      Type.Literal('invite'),
      Type.Literal('closed'),
    ]),
  ),
  /** No account yet: the next sign-up creates the admin ("Create the admin account"), whatever SIGNUP says. */
  firstAccount: Type.Optional(Type.Boolean()),
  /** That first sign-up needs the one-time setup code from the server's log (a public install). */
  setupCodeRequired: Type.Optional(Type.Boolean()),
});

/** The callback's query: the provider's authorization response (bounded; other fields ignored). */
export const OidcCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  iss: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 1000 })),
  session_state: Type.Optional(Type.String({ maxLength: 500 })),
});

export const OidcLoginQuery = Type.Object({
  /** Where to land after signing in: a path on this site only (`/c/<id>`); anything else means `/`. */
  returnTo: Type.Optional(Type.String({ maxLength: 300 })),
});

/** `POST /api/auth/logout` when the provider supports RP-initiated logout: send the browser there. */
export const LogoutResponse = Type.Object({ endSessionUrl: Type.String() });
