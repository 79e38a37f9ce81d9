// ROQ's real chat UI, installed from npm (never copied), against the roqmock that serves this page.
import { createRoot } from 'react-dom/client';
import { Chat, ChatProvider, RoqProvider } from '@roq/ui-react';
import '@roq/ui-react/dist/index.css';

// roqmock writes {host, token} into the page (roqmock/http/chat/page.py).
const config = JSON.parse(document.getElementById('roqmock-chat').textContent);

function report(error) {
  console.warn('ROQ UI:', error);
}

createRoot(document.getElementById('chat')).render(
  <RoqProvider config={{ host: config.host, token: config.token, socket: true }} onError={report}>
    <ChatProvider>
      <div className="roqmock-chat">
        <Chat />
      </div>
    </ChatProvider>
  </RoqProvider>,
);
