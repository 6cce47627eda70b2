"""Pure scheduling: flex-model/flex-context -> problem arrays -> PuLP model -> solution."""
