//! A function as the attribute reads it: attributes, visibility and signature parsed, the body
//! kept as tokens. The body is never looked into, only moved, so it is not parsed: that would
//! cost every annotated function's build time for nothing (tokio-macros reads functions the
//! same way, for the same reason).

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility};

pub(crate) struct Function {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The body, braces included.
    pub(crate) body: Group,
}

impl Function {
    /// Puts `prelude` before the body's statements (spliced, not nested, so a one-expression
    /// body does not become a block in braces that `unused_braces` would flag).
    pub(crate) fn prepend(&mut self, prelude: TokenStream) {
        let mut body = prelude;
        body.extend(self.body.stream());
        let span = self.body.span();
        self.body = Group::new(Delimiter::Brace, body);
        self.body.set_span(span);
    }
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected the function's body"));
        }
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append_all(&self.attrs);
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}
