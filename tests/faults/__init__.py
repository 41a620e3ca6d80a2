"""The fault and bad-input suite: what aimetenv does when input, files, hosts or users misbehave."""
