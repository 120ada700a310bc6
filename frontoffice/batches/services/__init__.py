"""Batch scanning's writes, by responsibility; callers import the module that owns the function (no re-export here):

- ``roles``: who acts (a clerk of the front office or of the batch's community; the scanner account);
- ``create``: accept a stack (``batch_create``), read a failed one again (``batch_retry``);
- ``claim``: one worker holds a batch at a time (token and heartbeat);
- ``files``: the stored files on local disk for reading, scratch folders;
- ``run``: the background run (``batch_process``) and the safety net (``batch_resume_stalled``);
- ``routing``: split the read stack and add each part to its case as a document;
- ``assignment``: the clerk places (``batch_pages_assign``) or discards (``batch_pages_discard``) what is left.
"""
