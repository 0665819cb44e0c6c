# Sourced by the scripts that start a validator: `localnet_programs` fills the array PROGRAMS with
# ID=FILE.so for our four programs, at the ids of Anchor.toml's [programs.localnet], from
# target/deploy (scripts/build-programs.sh). Run from the repository root.
localnet_programs() {
  PROGRAMS=()
  local name id
  while read -r name id; do
    PROGRAMS+=("$id=$PWD/target/deploy/$name.so")
  done < <(awk '/^\[programs.localnet\]/ { on = 1; next } /^\[/ { on = 0 } on && NF == 3 { gsub(/"/, "", $3); print $1, $3 }' Anchor.toml)
  [ ${#PROGRAMS[@]} -eq 4 ] || { echo "expected four programs in Anchor.toml, found ${#PROGRAMS[@]}" >&2; return 1; }
}
