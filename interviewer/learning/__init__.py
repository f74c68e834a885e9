"""The learning loop: key points a candidate missed come back as review cards until they stick."""
