use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET")]
struct Widget {
    name: String,
}

fn main() {
    let _ = Widget { name: String::new() }.name;
}
