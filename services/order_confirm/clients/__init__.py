"""HTTP clients of sibling services; they speak only `contracts` bodies and carry the service token."""
