//! Writing the protected handler: its parameters wrapped in `Authenticated`, whose provider is
//! the named bearer the attribute names, or the hidden one of the attribute's keys, shared by
//! every handler written with the same keys.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, Type, parse_quote};

use crate::builder::{inline_provider, scoped_provider};
use crate::function::Function;
use crate::validate::Bearer;

pub(crate) fn protect(mut function: Function, bearer: &Bearer) -> TokenStream {
    // The provider: the named bearer, shared by every handler that names it, or the runtime's
    // `Inline<HASH>` of the keys' hash, shared by every handler written with the same keys
    // (whose configuration each lists under that hash). Either way handlers with the same
    // parameter types share one parameter type, and the server's code for it.
    let (provider_item, named_check, provider) = match bearer {
        Bearer::Keys(config) => {
            let (provider, item) = inline_provider(config);
            (item, TokenStream::new(), provider)
        }
        Bearer::Named { path, scopes } => {
            // Checked beside the parameters: one error at the name if it is not a bearer, or,
            // with scopes, if it has no key set to grant them.
            let mut check = quote_spanned! {path.span()=>
                ::secret_bearer::__private::is_named_bearer::<#path>();
            };
            match scopes {
                None => (TokenStream::new(), check, path.into_token_stream()),
                Some(scopes) => {
                    check.extend(quote_spanned! {path.span()=>
                        ::secret_bearer::__private::grants_scopes::<#path>();
                    });
                    let (provider, item) = scoped_provider(path, scopes);
                    (item, check, provider)
                }
            }
        }
    };

    // Mixed-site names: the handler's body cannot see, or collide with, what the expansion binds.
    let wrapped = syn::Ident::new("__secret_bearer_args", Span::mixed_site());
    let mut types = Vec::new();
    let mut unpack = Vec::new();
    let mut temps = Vec::new();
    for (index, input) in function.sig.inputs.iter().enumerate() {
        // A function with a receiver is a client's (`item::target`), so every input is typed.
        let FnArg::Typed(input) = input else { continue };
        let temp = syn::Ident::new(&format!("__secret_bearer_arg{index}"), Span::mixed_site());
        let (attrs, pat, ty) = (&input.attrs, &input.pat, &input.ty);
        types.push(&**ty);
        // Binding through a temporary keeps each value alive to the end of the body, as a
        // parameter would be, even for a `_` pattern.
        unpack.push(quote!(#(#attrs)* let #pat = #temp;));
        temps.push(temp);
    }
    let inputs = quote! {
        #wrapped: ::secret_bearer::__private::Authenticated<(#(#types,)*), #provider>
    };
    let extractor_check = extractor_check(&function, &types, named_check);
    function.prepend(quote! {
        let (#(#temps,)*) = #wrapped.into_inner();
        #(#unpack)*
    });
    function.sig.inputs = parse_quote!(#inputs);
    let documentation = documentation(&function, &provider);
    quote!(#provider_item #extractor_check #documentation #function)
}

/// A parameter that is not an extractor: one error at its type, which the compiler reports
/// before the server's own error at the route (that the handler is not a handler). The check
/// is of every server the runtime is built for (`__private::probe`); on axum, against the
/// state of the handler's `State<S>` parameter, or `()` without one, and before the last
/// parameter against the request's head only, as axum's `debug_handler` checks.
fn extractor_check(function: &Function, types: &[&Type], named_check: TokenStream) -> TokenStream {
    let name = format_ident!("__secret_bearer_extractors_{}", function.sig.ident);
    let generics = &function.sig.generics;
    let where_clause = &generics.where_clause;
    let state = types
        .iter()
        .find_map(|ty| state_of(ty))
        .map_or_else(|| quote!(()), ToTokens::into_token_stream);
    // Only the last parameter may read the body (axum's rule; actix-web has none).
    let probes = types.iter().enumerate().map(|(index, ty)| {
        let position = if index + 1 == types.len() {
            quote!(Last)
        } else {
            quote!(Head)
        };
        quote_spanned! {ty.span()=>
            (&&&::secret_bearer::__private::probe::Probe::<#ty, #state, #position>::new())
                .is_extractor();
        }
    });
    quote! {
        #[allow(dead_code, non_snake_case)]
        fn #name #generics() #where_clause {
            #[allow(unused_imports)]
            use ::secret_bearer::__private::probe::*;
            #named_check
            #(#probes)*
        }
    }
}

/// `S` of a parameter of type `State<S>` (by the last segment's name, as axum's own
/// `debug_handler` finds it).
fn state_of(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match (last.ident == "State", arguments.args.first()) {
        (true, Some(GenericArgument::Type(state))) if arguments.args.len() == 1 => Some(state),
        _ => None,
    }
}

/// Records the handler for OpenAPI documents (a no-op unless `secret_bearer/openapi` is on),
/// under utoipa's default operation id, the function's name. Its scheme's name and form come
/// from its bearer when the document is made.
fn documentation(function: &Function, provider: &TokenStream) -> TokenStream {
    let operation_id = function.sig.ident.unraw().to_string();
    quote! {
        ::secret_bearer::__private::document_handler!(#operation_id, #provider);
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;
    use crate::attribute::secret_bearer;

    fn expand(args: TokenStream, item: TokenStream) -> syn::File {
        syn::parse2(secret_bearer(args, item)).expect("the expansion parses as items")
    }

    fn function(file: &syn::File) -> &syn::ItemFn {
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Fn(function) if !function.sig.ident.to_string().starts_with("__") => {
                    Some(function)
                }
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn the_handler_keeps_everything_but_its_parameter_list() {
        let file = expand(
            quote!(env = "A", alt_env = "B", prefix = "Bearer ", doc = "Key"),
            quote! {
                #[get("/{id}")]
                /// Docs.
                pub(crate) async fn show<T: Clone>(id: web::Path<u32>, mut data: web::Data<T>) -> impl Responder
                where T: 'static { "ok" }
            },
        );
        let function = function(&file);
        assert_eq!(function.attrs.len(), 2);
        assert_eq!(function.vis.to_token_stream().to_string(), "pub (crate)");
        assert_eq!(function.sig.ident, "show");
        assert_eq!(function.sig.generics.params.len(), 1);
        assert!(function.sig.generics.where_clause.is_some());
        assert_eq!(
            function.sig.output.to_token_stream().to_string(),
            "-> impl Responder"
        );
        let inputs = function.sig.inputs.to_token_stream().to_string();
        assert_eq!(
            inputs,
            "__secret_bearer_args : :: secret_bearer :: __private :: Authenticated < \
             (web :: Path < u32 > , web :: Data < T > ,) , :: secret_bearer :: __private :: \
             Inline < 3652427704325056676 > >"
        );
        let extractors = file.items[1].to_token_stream().to_string();
        for expected in [
            "fn __secret_bearer_extractors_show < T : Clone > () where T : 'static {",
            "(& & & :: secret_bearer :: __private :: probe :: Probe :: < web :: Path < u32 > , () \
             , Head > :: new ()) . is_extractor () ;",
            "(& & & :: secret_bearer :: __private :: probe :: Probe :: < web :: Data < T > , () , \
             Last > :: new ()) . is_extractor () ;",
        ] {
            assert!(extractors.contains(expected), "{extractors}");
        }
        let body = function.block.to_token_stream().to_string();
        assert!(body.contains("let id = __secret_bearer_arg0 ;"), "{body}");
        assert!(
            body.contains("let mut data = __secret_bearer_arg1 ;"),
            "{body}"
        );
        assert!(body.ends_with("; \"ok\" }"), "{body}");
    }

    #[test]
    fn the_keys_are_listed_under_the_hash_that_names_the_provider() {
        let file = expand(
            quote!(environment_key = "A", header_prefix = "Bearer "),
            quote!(
                async fn h() {}
            ),
        );
        let provider = file.items[0].to_token_stream().to_string();
        assert_eq!(
            provider,
            ":: secret_bearer :: __private :: inline_handler ! (12754344074232433070 , :: \
             secret_bearer :: __private :: Spec (& [(:: secret_bearer :: __private :: Key :: \
             Env , \"A\") , (:: secret_bearer :: __private :: Key :: Prefix , \"Bearer \")])) ;"
        );
        let extractors = file.items[1].to_token_stream().to_string();
        assert_eq!(
            extractors,
            "# [allow (dead_code , non_snake_case)] fn __secret_bearer_extractors_h () { # \
             [allow (unused_imports)] use :: secret_bearer :: __private :: probe :: * ; }"
        );
        let documentation = file.items[2].to_token_stream().to_string();
        assert_eq!(
            documentation,
            ":: secret_bearer :: __private :: document_handler ! (\"h\" , :: secret_bearer :: \
             __private :: Inline < 12754344074232433070 >) ;"
        );
    }

    #[test]
    fn each_parameter_is_probed_with_the_state_of_the_handlers_state_parameter() {
        let file = expand(
            quote!(env = "A"),
            quote!(
                async fn h(Path(id): Path<u32>, State(s): axum::extract::State<App<'static>>) {}
            ),
        );
        let extractors = file.items[1].to_token_stream().to_string();
        for (ty, position) in [
            ("Path < u32 >", "Head"),
            ("axum :: extract :: State < App < 'static > >", "Last"),
        ] {
            let probe = format!(
                "Probe :: < {ty} , App < 'static > , {position} > :: new ()) . is_extractor () ;"
            );
            assert!(extractors.contains(&probe), "{extractors}");
        }
        // Not a `State<S>`: two arguments, or another name.
        let file = expand(
            quote!(env = "A"),
            quote!(
                async fn h(a: State<A, B>, b: Stated<C>) {}
            ),
        );
        let extractors = file.items[1].to_token_stream().to_string();
        assert!(
            extractors.contains("Probe :: < Stated < C > , () , Last >"),
            "{extractors}"
        );
    }

    #[test]
    fn secret_manager_sources_fill_their_fields_in_the_canonical_order() {
        let file = expand(
            quote!(secret_key = "/new#api.key", alt_env = "OLD"),
            quote!(
                async fn h() {}
            ),
        );
        let implementation = file.items[0].to_token_stream().to_string();
        assert!(
            implementation.contains(
                "Spec (& [(:: secret_bearer :: __private :: Key :: AltEnv , \"OLD\") , (:: \
                 secret_bearer :: __private :: Key :: Secret , \"/new#api.key\")])"
            ),
            "{implementation}"
        );
    }

    #[test]
    fn a_key_set_fills_its_field() {
        let file = expand(
            quote!(keys_env = "API_KEYS", prefix = "Bearer "),
            quote!(
                async fn h() {}
            ),
        );
        let provider = file.items[0].to_token_stream().to_string();
        assert!(
            provider.contains(
                "Spec (& [(:: secret_bearer :: __private :: Key :: KeysEnv , \"API_KEYS\") , \
                 (:: secret_bearer :: __private :: Key :: Prefix , \"Bearer \")])"
            ),
            "{provider}"
        );
        let file = expand(
            quote!(keys_secret = "prod/api-keys#callers"),
            quote!(
                async fn h() {}
            ),
        );
        let provider = file.items[0].to_token_stream().to_string();
        assert!(
            provider.contains(
                "Spec (& [(:: secret_bearer :: __private :: Key :: KeysSecret , \
                 \"prod/api-keys#callers\")])"
            ),
            "{provider}"
        );
    }

    #[test]
    fn the_operation_id_is_the_unraw_name() {
        let file = expand(
            quote!(env = "A", doc = ""),
            quote!(
                async fn r#type() {}
            ),
        );
        let documentation = file.items[2].to_token_stream().to_string();
        assert!(
            documentation.contains("(\"type\" , :: secret_bearer :: __private :: Inline <"),
            "{documentation}"
        );
    }

    #[test]
    fn a_named_bearer_is_the_provider_and_no_configuration_is_listed() {
        let file = expand(
            quote!(crate::keys::WidgetsKey),
            quote!(
                pub async fn show(id: web::Path<u32>) -> String {
                    id.to_string()
                }
            ),
        );
        assert_eq!(
            file.items.len(),
            3,
            "the extractor check, the documentation, the handler"
        );
        let extractors = file.items[0].to_token_stream().to_string();
        assert!(
            extractors.contains(
                "use :: secret_bearer :: __private :: probe :: * ; :: secret_bearer :: __private \
                 :: is_named_bearer :: < crate :: keys :: WidgetsKey > () ;"
            ),
            "{extractors}"
        );
        let documentation = file.items[1].to_token_stream().to_string();
        assert!(
            documentation.contains("(\"show\" , crate :: keys :: WidgetsKey)"),
            "{documentation}"
        );
        let inputs = function(&file).sig.inputs.to_token_stream().to_string();
        assert_eq!(
            inputs,
            "__secret_bearer_args : :: secret_bearer :: __private :: Authenticated < \
             (web :: Path < u32 > ,) , crate :: keys :: WidgetsKey >"
        );
    }

    #[test]
    fn a_mistake_gives_the_item_back_with_one_error() {
        let output = secret_bearer(
            quote!(env = ""),
            quote!(
                async fn h() {}
            ),
        )
        .to_string();
        assert_eq!(output.matches("compile_error").count(), 1, "{output}");
        assert!(output.starts_with("async fn h () { }"), "{output}");
    }
}
