pub(crate) mod core_bpf_migration;
