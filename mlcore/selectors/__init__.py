"""mlcore reads: feedback for students, registry pages, review queues and agreement."""
