//! The words of the web pages, in French and in English: data, apart from
//! the code that lays the pages out.

/// Every fixed text of the pages, in one language.
#[derive(Debug)]
pub struct Words {
    /// `fr` or `en`.
    pub lang: &'static str,
    /// The other language, for the switch link.
    pub other_lang: &'static str,
    /// Its name, in itself.
    pub other_lang_name: &'static str,
    /// Navigation's label.
    pub nav: &'static str,
    /// Log out.
    pub logout: &'static str,
    /// Log-in page title.
    pub login_title: &'static str,
    /// Login field.
    pub login_label: &'static str,
    /// Password field.
    pub password_label: &'static str,
    /// Log-in button.
    pub login_button: &'static str,
    /// Wrong login or password (never says which).
    pub login_wrong: &'static str,
    /// Locked after too many failures.
    pub login_locked: &'static str,
    /// The form is too old.
    pub login_expired: &'static str,
    /// Account page title.
    pub account_title: &'static str,
    /// Role field.
    pub role_label: &'static str,
    /// Practices field.
    pub practices_label: &'static str,
    /// Admin role.
    pub role_admin: &'static str,
    /// Staff role.
    pub role_staff: &'static str,
    /// Secretary role.
    pub role_secretary: &'static str,
    /// Password change title and button.
    pub password_change: &'static str,
    /// Current password field.
    pub password_current: &'static str,
    /// New password field.
    pub password_new: &'static str,
    /// Done.
    pub password_changed: &'static str,
    /// Too short.
    pub password_too_short: &'static str,
    /// Something went wrong on our side.
    pub error_generic: &'static str,
}

/// French.
pub static FR: Words = Words {
    lang: "fr",
    other_lang: "en",
    other_lang_name: "English",
    nav: "Navigation",
    logout: "Se déconnecter",
    login_title: "Connexion",
    login_label: "Identifiant",
    password_label: "Mot de passe",
    login_button: "Se connecter",
    login_wrong: "Identifiant ou mot de passe incorrect.",
    login_locked: "Trop d'essais: la connexion est bloquée pour quelques minutes.",
    login_expired: "Le formulaire a expiré: recommencez.",
    account_title: "Mon compte",
    role_label: "Rôle",
    practices_label: "Cabinets",
    role_admin: "administrateur",
    role_staff: "cabinet (médecin ou assistant)",
    role_secretary: "secrétaire",
    password_change: "Changer le mot de passe",
    password_current: "Mot de passe actuel",
    password_new: "Nouveau mot de passe (10 caractères au moins)",
    password_changed: "Mot de passe changé; vos autres sessions sont fermées.",
    password_too_short: "Le nouveau mot de passe doit avoir au moins 10 caractères.",
    error_generic: "Une erreur est survenue; réessayez.",
};

/// English.
pub static EN: Words = Words {
    lang: "en",
    other_lang: "fr",
    other_lang_name: "Français",
    nav: "Navigation",
    logout: "Log out",
    login_title: "Log in",
    login_label: "Login",
    password_label: "Password",
    login_button: "Log in",
    login_wrong: "Wrong login or password.",
    login_locked: "Too many tries: logging in is blocked for a few minutes.",
    login_expired: "The form has expired: try again.",
    account_title: "My account",
    role_label: "Role",
    practices_label: "Practices",
    role_admin: "administrator",
    role_staff: "practice (doctor or assistant)",
    role_secretary: "secretary",
    password_change: "Change the password",
    password_current: "Current password",
    password_new: "New password (at least 10 characters)",
    password_changed: "Password changed; your other sessions are closed.",
    password_too_short: "The new password needs at least 10 characters.",
    error_generic: "Something went wrong; try again.",
};

/// The words for a language tag (`en`, `en-GB,en;q=0.9`…): English when it
/// asks for English first, French otherwise.
pub fn words_for(tag: &str) -> &'static Words {
    if tag.trim().to_ascii_lowercase().starts_with("en") { &EN } else { &FR }
}
