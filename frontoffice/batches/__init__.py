"""Batch scanning: cover and separator sheets, scanned stacks split into cases' documents, watched folders.

``codes`` says what a barcode means, ``sheets`` prints the sheets, ``reading`` turns a stack into page images and
barcodes one page at a time, ``plan`` splits a read stack into parts and documents, ``services`` does the writes
(a package by responsibility: create, claim, run, routing, assignment, …), ``inbox`` watches the scanners'
folders. See docs/api-batches.md.
"""
