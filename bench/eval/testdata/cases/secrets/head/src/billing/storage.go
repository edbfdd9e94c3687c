package billing

import "os"

// Connection strings for the archive.
const (
	archiveConn = "DefaultEndpointsProtocol=https;AccountName=contosobilling;AccountKey=XCshD7Xw8w0mqiukBO3lTMX0RjaydudCYnE3OBo9Jiq+NQzvZr0peAKDZQfggQs01R2A86FwHoxDmRNftM4Dmg==;EndpointSuffix=core.windows.net"
	backupURL   = "https://contosobilling.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&spr=https&sig=92gbuCpAMuFKw415zBnfrtDDN7KDCylvzdufkuIbmnT%3D"
	eventsConn  = "Endpoint=sb://contoso-billing.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=ukYrrOTFbKsmCdfwdKUy7QGRaSRyBaEVLkyoUzHOysc="
	// The storage emulator's well-known account, for local runs.
	emulatorConn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)

// ArchiveConn returns the archive's connection string.
func ArchiveConn() string {
	if c := os.Getenv("ARCHIVE_CONN"); c != "" {
		return c
	}
	return archiveConn
}
