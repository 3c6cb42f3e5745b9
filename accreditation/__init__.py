"""Applications, responses, evidence, assessment, decisions, reports, certificates and the register."""
