"""The AIMET release catalog: packaged data, the user overlay, and lookups of tags and variants."""
