"""Installing AIMET: the plan, the resolver, preparing and carrying out an install, its receipt."""
