use secret_bearer::secret_bearer;

#[secret_bearer(env = "A")]
pub struct Generic<T>(std::marker::PhantomData<T>);

#[secret_bearer(env = "A")]
pub struct Tuple(u8);

#[secret_bearer(env = "A")]
pub struct Braces {}

#[secret_bearer(env = "A")]
pub struct Bounded where u8: Copy;

fn main() {}
