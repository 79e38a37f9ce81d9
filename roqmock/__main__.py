from roqmock.cli import main

raise SystemExit(main())
