use secret_bearer::secret_bearer;

#[secret_bearer(env = "WIDGETS_KEY")]
pub struct WidgetsKey;

#[secret_bearer(WidgetsKey)]
pub struct GadgetsKey;

fn main() {}
