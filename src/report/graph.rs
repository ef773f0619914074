//! Renderers of `vpcscope graph`.
